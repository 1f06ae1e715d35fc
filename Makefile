# The two commands the README gives: `make demo` and `make test`. Both install what they need first.
SWIFT ?= swift
BIN := .build/debug/vtop-rollout

.PHONY: deps build demo tour test clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

demo: build
	@$(BIN) demo

# The imperative walk-through: validate the shipped plans, then release one tablet by hand on the sandbox.
tour: build
	@scripts/demo.sh

test: deps
	$(SWIFT) test

clean:
	rm -rf .build
