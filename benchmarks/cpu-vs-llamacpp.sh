#!/usr/bin/env bash
# LlmLab vs llama.cpp (LLamaSharp.Backend.Cpu 0.30.0) on the CPU, same GGUF files, same threads. See benchmarks/README.md.
#
#   benchmarks/cpu-vs-llamacpp.sh [--threads T] [--repetitions R] [--brown P/N] [--1b P/N] [--types "BF16 Q8_0 …"]
#                                 [--models "brown 1b"] [--work DIR]
#
# Builds the llmlab CLI and the benchmark in Release, makes the models once into DIR (default artifacts/cpu-vs-llamacpp,
# gitignored): the embedded Brown model and a random-weight llama-3.2-1b (make-random), each quantized to every type
# with `llmlab quantize`; then runs both systems on every file and prints the table (JSON in DIR/results.json).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=2            # this machine's cores
repetitions=3        # llama-bench uses 5; 3 keeps the whole run under 15 min on 2 cores
brown_pn=128/64      # P/N for the 7M-parameter Brown model
large_pn=64/32       # P/N for the 1B model (a BF16 decode step reads ~2.5 GB)
types="BF16 Q8_0 Q4_K_M Q4_0"
models="brown 1b"
work=$root/artifacts/cpu-vs-llamacpp
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    --brown) brown_pn=$2; shift 2 ;;
    --1b) large_pn=$2; shift 2 ;;
    --types) types=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

echo "== build (Release)" >&2
dotnet build "$root/src/LlmLab.Cli" -c Release -nologo -v q >&2
dotnet build "$root/benchmarks/LlmLab.Benchmarks.LlamaCpp" -c Release -nologo -v q >&2
llmlab() { dotnet "$root/src/LlmLab.Cli/bin/Release/net10.0/LlmLab.Cli.dll" "$@"; }
bench_dll=$root/benchmarks/LlmLab.Benchmarks.LlamaCpp/bin/Release/net10.0/linux-x64/LlmLab.Benchmarks.LlamaCpp.dll

echo "== models in $work" >&2
mkdir -p "$work"
cases=()
for model in $models; do
  case $model in
    brown) name=brown-llama-7m; dir=$root/data/models/brown-llama-7m; pn=$brown_pn ;;
    1b) name=llama-3.2-1b; dir=$work/llama-3.2-1b-random; pn=$large_pn
        [ -f "$dir/config.json" ] || llmlab make-random --preset llama-3.2-1b --dtype bf16 --out "$dir" >&2
        # make-random writes no tokenizer; a GGUF carries one, so the model gets Llama 3's (128,256 tokens, as the preset).
        [ -f "$dir/tokenizer.json" ] || gunzip -c "$root/tests/fixtures/tokenizers/llama3/tokenizer.json.gz" > "$dir/tokenizer.json"
        cp "$root/tests/fixtures/tokenizers/llama3/tokenizer_config.json" "$dir/" ;;
    *) echo "unknown model $model (brown, 1b)" >&2; exit 2 ;;
  esac
  for type in $types; do
    gguf=$work/$name.$type.gguf
    [ -f "$gguf" ] || llmlab quantize --model "$dir" --type "$type" --out "$gguf" >&2
    cases+=("$gguf@$pn")
  done
done

echo "== run: $(uptime)" >&2
# LlmLab's CPU kernels use Environment.ProcessorCount threads, which DOTNET_PROCESSOR_COUNT sets.
DOTNET_PROCESSOR_COUNT=$threads dotnet "$bench_dll" --threads "$threads" --repetitions "$repetitions" \
  --json "$work/results.json" "${cases[@]}"
echo "== done: $(uptime); JSON in $work/results.json" >&2
