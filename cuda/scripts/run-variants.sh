#!/usr/bin/env bash
# Launch-shape variants of the CUDA verifier, side by side in one run:
# A = shipped (128 threads/block, 2 chunks/stream, min chunk 512),
# B = 32/1/128, C = 64/1/256, D = 32/2/128.
set -u
R=$(pwd); D=$R/dev; O=${OUT:-/tmp/out}; mkdir -p $O
nvidia-smi -L
cd $R/gpu
for v in A B C D; do
  echo "== $v tests"; $D/gpu-$v.test -test.run 'TestCUDAVectors|TestCUDAAgreesWithCPU' -test.v -test.count=1 2>&1 | grep -E '^(--- |PASS|FAIL)|disagree' | tee -a $O/tests.txt
done
for round in 1 2; do
  for v in A B C D; do
    echo "== $v bench (round $round)" | tee -a $O/bench.txt
    $D/gpu-$v.test -test.run '^$' -test.bench 'CUDABatch' -test.benchtime 1s 2>&1 | grep Benchmark | tee -a $O/bench.txt
  done
done
echo "== cpu all cores" | tee -a $O/bench.txt
$D/gpu-A.test -test.run '^$' -test.bench 'CPUBatchAllCores' -test.benchtime 1s 2>&1 | grep Benchmark | tee -a $O/bench.txt
