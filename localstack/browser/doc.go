// Package browser holds end-to-end tests that run in a real headless Chromium
// against the local platform: a console page on one origin uploads a package
// straight to the bucket through a presigned URL, CORS preflight included.
//
// Chromium comes from Debian's chromium package; install-chromium.sh installs
// it when /usr/bin/chromium is missing (`make test` runs it first).
package browser
