# The two commands a new user needs: `make run` and `make test` (see README.md).
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/simplepush
# Debian packages the build needs (the Dockerfile's build stage installs the same ones:
# scripts/check-dockerfile.sh, run by make test, compares the two), and those only the tests
# need (python3-venv: the WebPush interoperability tests run pywebpush and friends from .venv;
# nginx: the proxy test runs its own instance on loopback with README's sample config).
BUILD_PACKAGES := libsqlite3-dev pkg-config libmemcached-dev libssl-dev
TEST_PACKAGES := memcached python3-venv curl nginx
APT_PACKAGES := $(BUILD_PACKAGES) $(TEST_PACKAGES)

.PHONY: run build test test-firefox deps bench million clean fuzz fuzz-smoke

run: build
	$(BIN) serve $(if $(CONFIG_FILE),--config $(CONFIG_FILE),)

build: deps
	$(SWIFT) build -c $(CONFIG) --product simplepush

# Installs what is missing, builds everything once, runs the end-to-end suite with memcached as
# the store, then over TLS on both listeners (wss://, https://), then every test (the end-to-end
# suite again on SQLite, plain), then the WebPush contract
# against the built server with real third-party clients (pywebpush, http_ece, py_vapid from
# PyPI in .venv) on every store, then TLS on both listeners (interop/tls: Python's ssl and
# websockets for wss://, curl for https://, with a test CA made per run).
test: deps
	bash scripts/check-dockerfile.sh
	$(SWIFT) build --build-tests
	SIMPLEPUSH_E2E_STORAGE=memcache $(SWIFT) test --skip-build --disable-swift-testing --filter EndToEndTests
	SIMPLEPUSH_E2E_TLS=1 $(SWIFT) test --skip-build --disable-swift-testing --filter EndToEndTests
	$(SWIFT) test --skip-build --disable-swift-testing
	bash interop/webpush/run.sh
	bash interop/tls/run.sh

# A real headless Firefox (Debian's firefox-esr, and certutil from libnss3-tools, installed if
# missing) subscribes over wss:// through the built server and receives a message sent with
# pywebpush over https://.
test-firefox: deps
	$(call apt_install,firefox-esr libnss3-tools)
	$(SWIFT) build --product simplepush
	bash interop/firefox/run.sh

# Release build, then the standard load-test set; rewrites the figures in BENCHMARKS.md.
bench: deps
	bash loadtest/bench.sh

# One million idle connections on this machine through one cluster of worker processes, with
# notifications through it (loadtest/million.sh: release build, memcached, bounded to 15 min; as
# root it raises the port range, backlogs, tcp_mem and file table for the run and restores them).
million: deps
	bash loadtest/million.sh

# apt_install: installs those of the packages given that are missing (with sudo unless root).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

clean:
	rm -rf .build

# libFuzzer targets for the parsers (fuzz/, see FUZZING.md): 1,000,000 runs each, or a few
# seconds each for CI. Built with the sanitizers in fuzz/.build-fuzz, apart from .build.
fuzz:
	bash fuzz/run.sh

fuzz-smoke:
	FUZZ_SMOKE=1 bash fuzz/run.sh
