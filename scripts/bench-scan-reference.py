#!/usr/bin/env python3
"""Reference decoders on the scanner benchmark's images: zxing-cpp (PyPI `zxing-cpp`) and
zbar (libzbar0 from Debian `zbar-tools`, called in-process through ctypes so that process
start-up is not counted). Reads the manifests written by
`cargo bench -p entrada-scan --bench scan` under target/scan-bench/ and prints Markdown rows
in the same shape as the Rust bench. Time is CPU time of this thread (time.thread_time),
the same measure the Rust bench reports, plus wall time.
"""
import ctypes
import ctypes.util
import sys
import time
from pathlib import Path

try:
    from PIL import Image
    import zxingcpp
except ImportError as e:
    sys.exit(f"bench-scan-reference: {e}; pip install zxing-cpp pillow")

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "scan-bench"


class Zbar:
    def __init__(self):
        name = ctypes.util.find_library("zbar") or "libzbar.so.0"
        z = ctypes.CDLL(name)
        z.zbar_image_scanner_create.restype = ctypes.c_void_p
        z.zbar_image_scanner_set_config.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]
        z.zbar_image_create.restype = ctypes.c_void_p
        z.zbar_image_set_format.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        z.zbar_image_set_size.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
        z.zbar_image_set_data.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p]
        z.zbar_scan_image.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        z.zbar_image_first_symbol.restype = ctypes.c_void_p
        z.zbar_image_first_symbol.argtypes = [ctypes.c_void_p]
        z.zbar_symbol_next.restype = ctypes.c_void_p
        z.zbar_symbol_next.argtypes = [ctypes.c_void_p]
        z.zbar_symbol_get_data.restype = ctypes.c_void_p
        z.zbar_symbol_get_data.argtypes = [ctypes.c_void_p]
        z.zbar_symbol_get_data_length.restype = ctypes.c_uint
        z.zbar_symbol_get_data_length.argtypes = [ctypes.c_void_p]
        z.zbar_image_destroy.argtypes = [ctypes.c_void_p]
        self.z = z
        self.scanner = z.zbar_image_scanner_create()
        # ZBAR_NONE (0), ZBAR_CFG_ENABLE (0), 0: disable all; then ZBAR_QRCODE (64) enable.
        z.zbar_image_scanner_set_config(self.scanner, 0, 0, 0)
        z.zbar_image_scanner_set_config(self.scanner, 64, 0, 1)
        self.y800 = int.from_bytes(b"Y800", "little")

    def decode(self, gray: Image.Image):
        z = self.z
        w, h = gray.size
        buf = gray.tobytes()
        img = z.zbar_image_create()
        z.zbar_image_set_format(img, self.y800)
        z.zbar_image_set_size(img, w, h)
        cbuf = ctypes.create_string_buffer(buf, len(buf))
        z.zbar_image_set_data(img, cbuf, len(buf), None)
        z.zbar_scan_image(self.scanner, img)
        out = []
        sym = z.zbar_image_first_symbol(img)
        while sym:
            n = z.zbar_symbol_get_data_length(sym)
            data = ctypes.string_at(z.zbar_symbol_get_data(sym), n)
            out.append(data.decode("utf-8", "replace"))
            sym = z.zbar_symbol_next(sym)
        z.zbar_image_destroy(img)
        return out


def zxing(gray: Image.Image):
    res = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in res]


def pct(xs, p):
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * p)] if xs else float("nan")


def timed(fn, img):
    c, t = time.thread_time(), time.perf_counter()
    out = fn(img)
    return out, (time.thread_time() - c) * 1000, (time.perf_counter() - t) * 1000


def load_manifest(path):
    rows = []
    for line in path.read_text().splitlines():
        p, kind, hexexp = line.split("\t")
        rows.append((p, kind, bytes.fromhex(hexexp).decode("utf-8")))
    return rows


def main():
    zbar = Zbar()
    decoders = [("zxing-cpp " + getattr(zxingcpp, "__version__", "3.x"), zxing), ("zbar (libzbar0)", zbar.decode)]
    corpus = load_manifest(BENCH / "corpus.tsv")
    print("## corpus: references")
    print("| decoder | qrcode-1 | qrcode-2 | qrcode-3 | qrcode-4 | all | median cpu ms | p95 cpu ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, fn in decoders:
        per, times = {}, []
        for p, s, exp in corpus:
            img = Image.open(p).convert("L")
            out, cpu, _ = timed(fn, img)
            times.append(cpu)
            ok = any(t.strip() == exp for t in out)
            per.setdefault(s, [0, 0])
            per[s][0] += ok
            per[s][1] += 1
        total = sum(v[0] for v in per.values())
        cells = " | ".join(str(per.get(s, [0])[0]) for s in ["qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4"])
        print(f"| {name} | {cells} | **{total}** | {pct(times, .5):.2f} | {pct(times, .95):.2f} |")
    print()
    for h in (720, 1080):
        d = BENCH / f"frames-{h}"
        rows = load_manifest(d / "manifest.tsv")
        frames = [(Image.open(p).convert("L"), kind, exp) for p, kind, exp in rows]
        print(f"## frames {frames[0][0].size[0]}x{h}: references")
        print("| decoder | kind | frames | read | median ms (cpu) | p95 ms (cpu) | max ms (cpu) | median ms (wall) | p95 ms (wall) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, fn in decoders:
            allc, allw = [], []
            by = {}
            holds = {}
            for img, kind, exp in frames:
                out, cpu, wall = timed(fn, img)
                allc.append(cpu)
                allw.append(wall)
                b = by.setdefault(kind, [0, 0, [], []])
                b[0] += 1
                b[1] += bool(exp) and any(t.strip() == exp for t in out)
                b[2].append(cpu)
                b[3].append(wall)
                if kind == "badge":
                    holds[exp] = holds.get(exp, False) or any(t.strip() == exp for t in out)
            for kind, (n, ok, c, w) in sorted(by.items()):
                print(f"| {name} | {kind} | {n} | {ok} | {pct(c, .5):.2f} | {pct(c, .95):.2f} | {max(c):.2f} | {pct(w, .5):.2f} | {pct(w, .95):.2f} |")
            print(f"| {name} | all | {len(frames)} | - | **{pct(allc, .5):.2f}** | **{pct(allc, .95):.2f}** | {max(allc):.2f} | {pct(allw, .5):.2f} | {pct(allw, .95):.2f} |")
            print(f"| {name} | badge holds read | {len(holds)} | {sum(holds.values())} | | | | | |")
        print()


if __name__ == "__main__":
    sys.exit(main())
