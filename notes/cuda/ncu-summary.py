# Summarises Nsight Compute raw CSV pages (gpu-run.sh): one line per kernel launch with time, DRAM bytes and GB/s.
import csv, sys
for path in sys.argv[1:]:
    print(f"== {path}")
    try:
        rows = list(csv.reader(l for l in open(path, errors="replace") if l.startswith('"')))
    except OSError as e:
        print(e); continue
    if len(rows) < 3: print("no rows"); continue
    head = rows[0]; col = {n: i for i, n in enumerate(head)}
    def get(r, n):
        i = col.get(n); return r[i] if i is not None and i < len(r) else "?"
    for r in rows[2:]:
        t = get(r, "gpu__time_duration.sum"); b = get(r, "dram__bytes_read.sum")
        try: gbs = f"{float(b.replace(',', '')) / float(t.replace(',', '')):7.0f} GB/s"
        except ValueError: gbs = ""
        print(f"{get(r, 'Kernel Name')[:40]:40} grid {get(r, 'launch__grid_size'):>6} x {get(r, 'launch__block_size'):>4} regs {get(r, 'launch__registers_per_thread'):>4} "
              f"waves {get(r, 'launch__waves_per_multiprocessor'):>6} t {t:>8} B {b:>12} {gbs} dram% {get(r, 'dram__throughput.avg.pct_of_peak_sustained_elapsed')} warps% {get(r, 'sm__warps_active.avg.pct_of_peak_sustained_active')}")
