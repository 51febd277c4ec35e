# The platform's commands. `make dev` runs it locally; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
BUILD_DIR := build/functions
PREREQS := localstack/prereqs.sh
FUZZTIME ?= 15s
# Minimizing each new interesting input can take a target's whole FUZZTIME (the zip
# structure target ran ~44 inputs in 30 s with Go's 60 s default); keep the time for fuzzing.
FUZZMINIMIZETIME ?= 1x

.PHONY: dev test test-go test-infra test-deploy build cli admin bootstrap synth deploy bench fuzz infra-deps browser-deps console-deps console test-console

## dev: run the whole platform locally (emulator, resources, tenant, gateway with the console, pollers); Ctrl-C stops it
dev: console
	@$(PREREQS) go emulator
	@$(GO) build -o build/dev ./localstack/dev
	@# Run the binary itself, not go run: Ctrl-C then ends with its own clean exit.
	@./build/dev

## test: every test: unit, integration against a fresh emulator, the console, the CDK app and its deploy to the emulator
test: test-go test-console test-infra test-deploy

## test-go: the functions' tests (fast loop: no CDK compile); the console's browser tests need its build
test-go: browser-deps console
	@$(PREREQS) go emulator
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## test-infra: synthesize the CDK app and check it (assertions, cdk-nag, table parity)
test-infra: infra-deps
	cd infra && $(GO) vet ./... && $(GO) test -count=1 ./...

## test-deploy: deploy the CDK app with the pinned CDK CLI to a fresh moto server's CloudFormation and check what it created
# (the resource types moto cannot create, and why: localstack/deploy/deploy.go, Unsupported)
test-deploy: infra-deps console
	@$(PREREQS) go node
	MPDP_TEST_DEPLOY=1 $(GO) test -count=1 -timeout 15m -run '^TestDeployToEmulator$$' -v ./localstack/deploy/

# The browser upload test drives Debian's Chromium; this installs it when missing.
browser-deps:
	@bash localstack/browser/install-chromium.sh

infra-deps:
	@$(PREREQS) go node
	cd infra && npm ci --no-audit --no-fund --loglevel=error

# The console's pinned dependencies (console/package-lock.json), installed again
# only when the lock file changes (npm ci writes node_modules/.package-lock.json).
console-deps: console/node_modules/.package-lock.json

console/node_modules/.package-lock.json: console/package-lock.json console/package.json
	@$(PREREQS) node
	cd console && npm ci --no-audit --no-fund --loglevel=error

## console: build the web console into console/dist (make dev serves it)
console: console-deps
	cd console && npm run --silent build

## test-console: the console's type check, its structure (no import cycles, pages never import pages) and unit tests
test-console: console-deps
	cd console && npm run --silent typecheck && node scripts/structure.mjs && npm test --silent

## build: cross-compile each function to build/functions/<name>/bootstrap (linux/arm64), and the CLI
build: cli
	@$(PREREQS) go
	@for f in $(FUNCTIONS); do \
		echo "build $$f"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -o $(BUILD_DIR)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

## cli: the developer CLI for this machine, to build/mpdp
cli:
	$(GO) build -trimpath -o build/mpdp ./cmd/mpdp

## admin: the operators' command (mpdp-admin bootstrap ...), to build/mpdp-admin
admin:
	$(GO) build -trimpath -o build/mpdp-admin ./cmd/mpdp-admin

## bootstrap: once after the first deploy: the tenant workspace and its first admin (make bootstrap STACK=<stack> EMAIL=ops@example.com [REGION=...])
bootstrap: admin
	@test -n "$(STACK)" -a -n "$(EMAIL)" || { echo 'usage: make bootstrap STACK=<stack name> EMAIL=<first admin> [REGION=<region>]'; exit 2; }
	./build/mpdp-admin bootstrap --stack "$(STACK)" --email "$(EMAIL)" $(if $(REGION),--region "$(REGION)")

## synth: synthesize the CloudFormation template (offline; a stage with ARGS="-c stage=prod -c mailFrom=...")
synth: build console infra-deps
	cd infra && MPDP_FUNCTIONS_DIR=$(CURDIR)/$(BUILD_DIR) MPDP_CONSOLE_DIR=$(CURDIR)/console/dist npx cdk synth --quiet $(ARGS)

## deploy: deploy to the AWS account in your environment (ARGS="-c stage=prod -c mailFrom=no-reply@mail.your.domain ..."; see infra/README.md)
deploy: build console infra-deps
	cd infra && MPDP_FUNCTIONS_DIR=$(CURDIR)/$(BUILD_DIR) MPDP_CONSOLE_DIR=$(CURDIR)/console/dist npx cdk deploy --require-approval never $(ARGS)

## bench: every performance goal against its baseline, in one run; one `goal ...: PASS|FAIL` line each (BENCH_ARGS=-h lists the knobs). Missed goals do not fail the build
bench:
	@$(PREREQS) go emulator
	$(GO) run ./localstack/bench $(BENCH_ARGS)

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' shared localstack | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$t/*_test.go | sed 's/func //'); do \
			echo "fuzz ./$$t $$f"; $(GO) test ./$$t -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) || exit 1; \
		done; \
	done
