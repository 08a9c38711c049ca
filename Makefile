# aitbcd — see README.md. `make run` starts a four-validator devnet in ./devnet;
# `make test` is what CI runs.
GO        ?= go
BIN       := bin/aitbcd
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
# Packages that own goroutines run under the race detector.
RACE_PKGS := ./engine/node ./engine/indexer ./engine/ingest ./engine/blocksync ./engine/exec ./engine/enginetest ./gpu/... ./netio/... ./rpc/... ./storage/... ./cmd/...
FUZZTIME  ?= 10s

.PHONY: build run test test-long bench bench-report lint fuzz clean cuda alerts sim byzantine test-faults

# Alert rules (observability/prometheus): promtool comes with Debian's
# prometheus package. Without it `make test` skips the rule checks and says
# so, unless PROMTOOL_REQUIRED is set (CI sets it).
PROMTOOL  ?= promtool
ALERTS    := observability/prometheus/alerts.yml
ALERTS_TEST := observability/prometheus/alerts_test.yml

# go-nvml's cgo prologue calls NVML functions the header marks deprecated;
# silence those warnings (the default CGO_CFLAGS is "-O2 -g").
export CGO_CFLAGS ?= -O2 -g -Wno-deprecated-declarations

# The CUDA build (make cuda): Debian's nvidia-cuda-toolkit (see README).
NVCC       ?= nvcc
CUDA_ARCH  := -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
              -gencode arch=compute_90,code=compute_90
NVCCFLAGS  ?= -O3 $(CUDA_ARCH) -Xcompiler -fPIC,-Wall
CUDA_SRCS  := $(wildcard cuda/*.cu)
CUDA_HDRS  := $(wildcard cuda/*.cuh cuda/*.h)
CUDA_OBJS  := $(patsubst cuda/%.cu,cuda/build/%.o,$(CUDA_SRCS))
CUDA_LIB   := cuda/build/libaitbc_cuda.a

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/aitbcd

# The byzantine build (issue #9): devnet --misbehave NODE=MODE[,...] makes
# chosen nodes misbehave (engine/misbehave lists the modes). The normal
# build links none of it (TestNormalBuildLinksNoMisbehave).
byzantine:
	$(GO) build -tags byzantine -ldflags "$(LDFLAGS)" -o bin/aitbcd-byzantine ./cmd/aitbcd

# The fault suite (issue #9, cmd/aitbcd/faults_test.go): four byzantine-build
# validator processes behind in-test TCP proxies under a transfer load, one
# scenario at a time; one verdict line each. FAULTS_SEED=S replays a seed.
test-faults:
	AITBC_FAULTS=1 $(GO) test -tags byzantine -count=1 -timeout 30m -run '^TestFaults$$' -v ./cmd/aitbcd

run: build
	./$(BIN) devnet --validators 4 --dir ./devnet --consensus-mode hybrid

test: alerts
	$(GO) vet ./...
	$(GO) vet -tags byzantine ./...
	$(GO) test -race -count=1 $(RACE_PKGS)
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -E '/(gpu|netio|rpc|storage|cmd|engine/(node|indexer|ingest|blocksync|exec|enginetest))(/|$$)')
	# A short fault suite (two scenarios, about 30 s); make test-faults runs all.
	$(GO) test -tags byzantine -count=1 -run 'TestFaultsShort|TestMisbehave' ./cmd/aitbcd

# The deterministic cluster simulator (engine/sim): `make sim SEEDS=N` runs
# seeds 1..N on every core; `make sim SEED=S` replays one seed and prints
# "seed S trace <hex>" (the same hex every time). BYZANTINE=MODE (or all:
# a mode per seed) makes node seed%4 byzantine (engine/misbehave lists the
# modes); BYZANTINE=each runs every mode on every seed. STAKING=pos|hybrid
# runs a staking chain whose set changes (stakers stake, unstake, go down).
SEEDS ?= 200
SIMFLAGS := $(if $(BYZANTINE),-byzantine $(BYZANTINE)) $(if $(STAKING),-staking $(STAKING))
sim:
ifdef SEED
	$(GO) run ./cmd/aitbc-sim $(SIMFLAGS) -seed $(SEED)
else
	$(GO) run ./cmd/aitbc-sim $(SIMFLAGS) -seeds $(SEEDS)
endif

alerts:
	@if command -v $(PROMTOOL) >/dev/null 2>&1; then \
	  $(PROMTOOL) check rules $(ALERTS) && $(PROMTOOL) test rules $(ALERTS_TEST); \
	elif [ -n "$(PROMTOOL_REQUIRED)" ]; then \
	  echo "alerts: $(PROMTOOL) not found and PROMTOOL_REQUIRED is set"; exit 1; \
	else \
	  echo "alerts: $(PROMTOOL) not found: skipping the alert rule checks (Debian: apt-get install prometheus)"; \
	fi

test-long:
	AITBC_LONG=1 $(GO) test -count=1 -timeout 60m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./engine/... ./gpu/... ./netio/... ./storage/...

# The benchmark report of issue #12: fresh devnets, the signature ceiling,
# open-loop sweeps to saturation at two block-time settings, idle CPU and a
# single validator fed by send_txs; writes bench/results/<UTC time>/
# {report.json,report.svg,summary.md}. BENCH_BUDGET (default 9m) is the
# time it aims for; a lost tx fails it.
bench-report: build
	./$(BIN) bench suite --out bench/results

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...

# Runs every Fuzz target for FUZZTIME each (seeds in testdata/fuzz run in `make test` too).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin cuda/build

# Kernels with nvcc into cuda/build/libaitbc_cuda.a, then the cuda-tagged
# binary (bin/aitbcd-cuda) and a vet of the cgo side. The binary is removed
# first: go build does not notice a changed C library, only changed Go.
cuda: $(CUDA_LIB)
	rm -f bin/aitbcd-cuda
	$(GO) build -tags cuda -ldflags "$(LDFLAGS)" -o bin/aitbcd-cuda ./cmd/aitbcd
	$(GO) vet -tags cuda ./gpu/

$(CUDA_LIB): $(CUDA_OBJS)
	rm -f $@
	ar rcs $@ $^

cuda/build/%.o: cuda/%.cu $(CUDA_HDRS)
	@mkdir -p cuda/build
	$(NVCC) $(NVCCFLAGS) -c $< -o $@
