# The 1B's decode products (batch 1, BF16) through PyTorch's cuBLAS, for Nsight Compute (gpu-run.sh ncu stage).
import torch
x = torch.randn(1, 2048, dtype=torch.bfloat16, device="cuda")
h = torch.randn(1, 8192, dtype=torch.bfloat16, device="cuda")
shapes = {"qkv": (3072, 2048), "o": (2048, 2048), "gate": (8192, 2048), "down": (2048, 8192)}
w = {n: torch.randn(m, k, dtype=torch.bfloat16, device="cuda") for n, (m, k) in shapes.items()}
for _ in range(8):
    for n in shapes:
        torch.nn.functional.linear(h if n == "down" else x, w[n])
torch.cuda.synchronize()
