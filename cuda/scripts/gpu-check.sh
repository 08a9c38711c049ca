#!/usr/bin/env bash
# One device check: CUDA verdicts, throughput, and a devnet on the GPU backend.
# Build first (here, with nvcc): make cuda; mkdir -p dev; go test -tags cuda -c -o dev/gpu-cuda.test ./gpu;
# go build -tags cuda -ldflags "-s -w" -o dev/aitbcd-cuda ./cmd/aitbcd. Run from the repository root.
set -u
R=$(pwd); D=$R/dev; O=${OUT:-/tmp/out}; mkdir -p $O
get() { curl -s "$1" 2>/dev/null || python3 -c 'import urllib.request,sys;print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1" 2>/dev/null; }
B=${BACKEND:-cuda}
nvidia-smi -L; nproc
echo "== version"; $D/aitbcd-cuda version 2>&1 | tee $O/version.txt
echo "== tests"; (cd $R/gpu && $D/gpu-cuda.test -test.run 'CUDA|Auto|Vectors' -test.v -test.count=1 2>&1 | grep -E '^(=== RUN|--- |PASS|FAIL|ok|\s+cuda_test|\s+auto)' | tee $O/tests.txt)
echo "== go bench"; (cd $R/gpu && $D/gpu-cuda.test -test.run '^$' -test.bench 'CUDABatch|CPUBatch$' -test.benchtime 2s 2>&1 | tee $O/gobench.txt)
echo "== sigverify cuda vs cpu (16 cores)"; $D/aitbcd-cuda bench sigverify --backend cuda --compare cpu --batch 0 --seconds 2 2>&1 | tee $O/sigverify.txt
echo "== devnet on cuda"
cd /tmp && rm -rf dn && SIGVERIFY_BACKEND=$B setsid $D/aitbcd-cuda devnet --validators 4 --dir /tmp/dn > $O/devnet.log 2>&1 &
for i in $(seq 60); do get http://127.0.0.1:9080/rpc/status | grep -q height && break; sleep 1; done
sleep 3
get http://127.0.0.1:9080/rpc/status | tee $O/status0.json; echo
$D/aitbcd-cuda bench load --key /tmp/dn/faucet.key --tps 3000 --seconds 20 --batch 64 --presign --drain 20 2>&1 | tail -25 | tee $O/load.txt
get http://127.0.0.1:9090/metrics | grep -E '^aitbc_(sigverify|gpu)_' | grep -v _bucket | tee $O/metrics0.txt
grep -ciE 'panic|fallback' $O/devnet.log; grep -iE 'cuda|gpu|sigverify' $O/devnet.log | head -20
pkill -INT -f 'aitbcd-cuda devnet'; sleep 2
