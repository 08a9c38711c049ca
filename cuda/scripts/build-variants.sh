#!/usr/bin/env bash
set -e
# Build (here, with nvcc): A = the shipped launch shape and three others, as
# stripped test binaries in dev/ (ignored); then run-variants.sh on the GPU host.
cd "$(dirname "$0")/../.."
mkdir -p dev
for v in "A:128:2:512" "B:32:1:128" "C:64:1:256" "D:32:2:128"; do
  IFS=: read name tpb cps minc <<<"$v"
  rm -rf cuda/build && mkdir -p cuda/build
  for f in cuda/*.cu; do nvcc -O3 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 -Xcompiler -fPIC,-Wall -DAITBC_VERIFY_TPB=$tpb -DAITBC_CHUNKS_PER_STREAM=$cps -DAITBC_MIN_CHUNK=$minc -c $f -o cuda/build/$(basename $f .cu).o; done
  ar rcs cuda/build/libaitbc_cuda.a cuda/build/*.o
  CGO_LDFLAGS="-Wl,--defsym=aitbc_variant_$name=0" CGO_CFLAGS="-O2 -g -Wno-deprecated-declarations" go test -tags cuda -c -ldflags "-s -w" -o dev/gpu-$name.test ./gpu
  echo "built $name tpb=$tpb chunks/stream=$cps minchunk=$minc"
done
rm -rf cuda/build
ls -la dev
