# The two commands the README gives: `make demo` and `make test`. Both install what they need first.
SWIFT ?= swift
BIN := .build/debug/vtop-rollout

.PHONY: deps build demo test clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

demo: build
	@scripts/demo.sh

test: deps
	$(SWIFT) test

clean:
	rm -rf .build
