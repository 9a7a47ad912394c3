# Packs .device for the GPU machine within the 64 MiB carry limit (the tracked tree is ~29 MB): ../shared/tools/gpu-pack,
# then the two Release builds deduplicated (hard links, which tar stores once) and without their win/osx runtimes, and
# the .NET runtime without the debugger and alternative-GC libraries (libmscordaccore, libmscordbi, libclrgc*,
# createdump). Keep .device/kernels.tar.xz from a device call's $OUT beside it (the NVRTC cache, ~2.6 MB).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
../shared/tools/gpu-pack tests/LlmLab.Cuda.Tests src/LlmLab.Cli > /dev/null
(cd .device/bin && for f in LlmLab.Cuda.Tests/*; do b=$(basename "$f"); if [ -f "LlmLab.Cli/$b" ] && cmp -s "$f" "LlmLab.Cli/$b"; then ln -f "LlmLab.Cli/$b" "$f"; fi; done
 rm -rf LlmLab.Cli/runtimes/win LlmLab.Cuda.Tests/runtimes/win LlmLab.Cli/runtimes/osx* LlmLab.Cuda.Tests/runtimes/osx*)
tar -C .device -cf - bin | xz -T0 -9 > .device/bin.tar.xz && rm -rf .device/bin
if [ "$(stat -c %s .device/dotnet-runtime.tar.xz)" -gt 25000000 ]; then
  t=$(mktemp -d); tar -C "$t" -xJf .device/dotnet-runtime.tar.xz
  rm -f "$t"/shared/Microsoft.NETCore.App/*/{libmscordaccore.so,libmscordbi.so,libclrgcexp.so,libclrgc.so,createdump}
  tar -C "$t" -cf - dotnet host shared | xz -T0 -9e > .device/dotnet-runtime.tar.xz; rm -rf "$t"
fi
du -sh .device
