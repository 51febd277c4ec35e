// Package browser holds end-to-end tests that run in a real headless Chromium
// against the local platform: a console page on one origin uploads a package
// straight to the bucket through a presigned URL, CORS preflight included; and
// TestConsoleEndToEnd runs the web console's scenarios (console/e2e/*.e2e.mjs,
// through playwright-core) against what `make dev` runs (localstack/devstack),
// started in-process.
//
// Chromium comes from Debian's chromium package; install-chromium.sh installs
// it when /usr/bin/chromium is missing (`make test` runs it first). The console
// test also needs the console built with its dependencies (`make console`).
package browser
