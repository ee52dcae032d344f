# The two commands a fresh Debian machine needs: `make run` and `make test`.
# Everything else is CMake (CMakePresets.json); this file only strings the steps together.
PRESET ?= default

.PHONY: all deps build run test bench fuzz clean
all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) > /dev/null
	@cmake --build --preset $(PRESET)

run: build
	@scripts/run-example.sh

test: build
	@ctest --preset $(PRESET)

bench: build
	@bench/import_1m.sh
	@bench/impact_1m.sh
	@bench/spof_100k.sh
	@bench/status_wrk.sh
	@bench/signin_flood.sh
	@bench/health_100k.sh
	@bench/notify_100k.sh

# libFuzzer targets (clang, ASan + UBSan), FUZZ_SECONDS each; docs/fuzzing.md.
FUZZ_SECONDS ?= 300
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

clean:
	rm -rf build build-asan build-fuzz
