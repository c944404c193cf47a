# hitless — the two commands that matter: `make demo` and `make test` (as root on Debian 12).
# Everything installs what it needs first (scripts/deps).

JOBS    ?= $(shell nproc)
BUILD   ?= build
ASAN    ?= build-asan
FUZZDIR ?= build-fuzz
RUNS    ?= 1000000
N       ?= 1000
SEED    ?= 1
CMAKE_FLAGS ?=

.PHONY: all deps build test test-fast test-asan format format-check demo fleet bench fuzz faults package \
  clean help

# Every C++ source and header of the tree (clang-format decides layout: .clang-format).
FORMAT_FILES = $(shell find src tests bench fuzz -name '*.cc' -o -name '*.h' | sort)

all: build

help:
	@echo "make demo    install deps, build, run the main job and print its report"
	@echo "             (COMPONENT=fwdd|chassisd|all: components by hitless install too; DEMO_ARGS=...)"
	@echo "make test    install deps, check formatting, build, run every test (normal build, then"
	@echo "             ASan+UBSan build)"
	@echo "make format  reformat the tree with clang-format-14 (make format-check: only check)"
	@echo "make bench   run the benchmarks, JSON to bench/results.json"
	@echo "make fuzz    build the libFuzzer targets with clang and run each RUNS=$(RUNS) times"
	@echo "make fleet   N routers (default 3) upgraded by Ansible with traffic and BIRD peers"
	@echo "             (FLEET_ARGS=\"--routes 100000 --pps 20000 --keep\"; docs/fleet.md)"
	@echo "make faults  randomized fault campaigns, N=$(N) runs each from SEED=$(SEED): ISSU and install faults"
	@echo "             (bench/faults.json), then kill -9 of the active rpd at random BGP moments with"
	@echo "             traffic and a BIRD peer (bench/bgp_faults.json), and the 7 BGP crash points with FRR and"
	@echo "             GoBGP as the peer (BIRD's are in make test); replay one run: make faults N=1 SEED=<seed>"
	@echo "make package build the Debian package (hitless_VERSION_ARCH.deb in the build directory)"
	@echo "make clean   remove build directories"

deps:
	@bash scripts/deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: format-check build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory test-asan

format-check: deps
	@clang-format-14 --dry-run --Werror $(FORMAT_FILES) && \
	  echo "format-check: $(words $(FORMAT_FILES)) files formatted as .clang-format says"

format: deps
	clang-format-14 -i $(FORMAT_FILES)

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

$(ASAN)/build.ninja:
	cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHITLESS_SANITIZE=ON \
	  -DHITLESS_BENCH=OFF $(CMAKE_FLAGS)

test-asan: deps $(ASAN)/build.ninja
	cmake --build $(ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo $(BUILD) $(if $(COMPONENT),--component $(COMPONENT)) $(DEMO_ARGS)

# N routers (3 unless N is given) upgraded by Ansible, each with traffic and a BIRD peer
# (scripts/fleet, docs/fleet.md).
fleet: build
	@/usr/bin/python3 scripts/fleet $(BUILD) \
	  --routers $(if $(filter command line,$(origin N)),$(N),3) $(FLEET_ARGS)

bench: build
	@bash bench/run $(BUILD)

$(FUZZDIR)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZDIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHITLESS_FUZZ=ON

fuzz: deps $(FUZZDIR)/build.ninja
	cmake --build $(FUZZDIR) -j $(JOBS)
	@bash fuzz/run $(FUZZDIR) $(RUNS)

# Every campaign runs whatever the one before gave; the target fails if any did.
faults: build
	@$(BUILD)/tests/chassis_faults --runs $(N) --seed $(SEED) > bench/faults.json; rc=$$?; \
	  cat bench/faults.json; \
	  $(BUILD)/tests/bgp_faults --runs $(N) --seed $(SEED) > bench/bgp_faults.json; rc2=$$?; \
	  cat bench/bgp_faults.json; \
	  $(BUILD)/tests/bgp_crash_matrix --gtest_filter='Points/*'; rc3=$$?; \
	  exit $$(( rc || rc2 || rc3 ))

package: build
	cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZDIR)
