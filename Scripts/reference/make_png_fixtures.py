#!/usr/bin/env python3
# Writes the small PNG fixtures that PerceptronVisionTests/Images decode: one per colour type,
# every filter type, a palette with tRNS, several IDAT chunks, and corrupt files.
#
# Written with an encoder independent of Perceptron's own, from the PNG specification
# (ISO/IEC 15948, W3C PNG 2nd edition), standard library only (struct + zlib).
# Python 3.11.7 (any Python 3.8+ gives the same pixels; compressed bytes depend on the zlib
# version, which does not change what the tests check).
#
# Run from anywhere:  python3 Scripts/reference/make_png_fixtures.py
# It rewrites Tests/PerceptronVisionTests/Images/Fixtures/*.png. The expected pixels the tests
# hold were printed by this script (`--print`) and by png_grey_opencv.py.

import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "PerceptronVisionTests", "Images", "Fixtures")
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data, crc=None):
    body = kind + data
    if crc is None:
        crc = zlib.crc32(body) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + body + struct.pack(">I", crc)


def ihdr(width, height, color_type, bit_depth=8, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows, bpp, filters):
    """Filters each raw row with its filter type (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth)."""
    out = bytearray()
    previous = bytes(len(rows[0]))
    for row, kind in zip(rows, filters):
        out.append(kind)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((x - predictor) & 0xFF)
        previous = row
    return bytes(out)


def samples(width, height, channels, seed):
    """Deterministic, varied samples so that every filter has non-trivial work."""
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            for c in range(channels):
                row.append((x * 47 + y * 89 + c * 113 + seed + x * y * 7) % 256)
        rows.append(bytes(row))
    return rows


def png(width, height, color_type, rows, bpp, filters, extra_before_idat=b"", idat_splits=1, after_iend=b""):
    compressed = zlib.compress(filter_rows(rows, bpp, filters), 9)
    cut = [len(compressed) * k // idat_splits for k in range(idat_splits + 1)]
    idats = b"".join(chunk(b"IDAT", compressed[cut[k]:cut[k + 1]]) for k in range(idat_splits))
    return SIGNATURE + ihdr(width, height, color_type) + extra_before_idat + idats + chunk(b"IEND", b"") + after_iend


def fixtures():
    files = {}
    text = chunk(b"tEXt", b"Comment\x00written by make_png_fixtures.py")
    # Colour type 0, five rows: filters None, Sub, Up, Average, Paeth.
    grey = samples(5, 5, 1, seed=3)
    files["grey_filters.png"] = png(5, 5, 0, grey, 1, [0, 1, 2, 3, 4], extra_before_idat=text)
    # Colour type 2, filters in another order, two IDAT chunks.
    rgb = samples(4, 5, 3, seed=10)
    files["rgb_filters.png"] = png(4, 5, 2, rgb, 3, [4, 3, 2, 1, 0], idat_splits=2)
    # Colour type 3: five palette entries, tRNS for the first three.
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 20, 40, 60])
    trns = bytes([0, 128, 255])
    indices = [bytes([(x + 2 * y) % 5 for x in range(4)]) for y in range(3)]
    files["palette_trns.png"] = png(4, 3, 3, indices, 1, [1, 2, 4],
                                    extra_before_idat=chunk(b"PLTE", palette) + chunk(b"tRNS", trns))
    # Colour type 4, grey + alpha.
    grey_alpha = samples(3, 3, 2, seed=50)
    files["grey_alpha.png"] = png(3, 3, 4, grey_alpha, 2, [3, 4, 1])
    # Colour type 6, three IDAT chunks, a private ancillary chunk and bytes after IEND.
    rgba = samples(4, 4, 4, seed=77)
    private = chunk(b"prVt", b"ancillary, safe to skip")
    files["rgba_multi_idat.png"] = png(4, 4, 6, rgba, 4, [0, 4, 2, 3], extra_before_idat=private,
                                       idat_splits=3, after_iend=b"trailing bytes")

    # Paeth on every row, with ties the predictor must break as the specification says:
    # row 1 x 1 has pb == pc < pa (take b = 80), row 2 x 3 has pa == pc < pb (take a = 60).
    ties = [bytes([100, 80, 0, 255]), bytes([110, 7, 100, 120]), bytes([50, 61, 60, 33])]
    files["paeth_ties.png"] = png(4, 3, 0, ties, 1, [4, 4, 4])

    good = files["grey_filters.png"]
    idat_at = good.index(b"IDAT") - 4
    idat_length = struct.unpack(">I", good[idat_at:idat_at + 4])[0]
    crc_at = idat_at + 8 + idat_length
    bad_crc = bytearray(good)
    bad_crc[crc_at + 3] ^= 0xFF
    files["bad_crc.png"] = bytes(bad_crc)
    files["truncated.png"] = good[:idat_at + 8 + idat_length // 2]
    # A signature whose CR LF became LF, as a text-mode transfer does.
    files["bad_signature.png"] = b"\x89PNG\n\x1a\n" + good[8:]
    # 65536 x 65536 = 2^32 pixels, a valid IHDR CRC and a tiny IDAT.
    files["huge_dimensions.png"] = (SIGNATURE + ihdr(65536, 65536, 0)
                                    + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    # Filter byte 5 on the second row.
    raw = bytearray(filter_rows(grey, 1, [0, 0, 0, 0, 0]))
    raw[6] = 5
    files["bad_filter.png"] = (SIGNATURE + ihdr(5, 5, 0) + chunk(b"IDAT", zlib.compress(bytes(raw)))
                               + chunk(b"IEND", b""))
    # Index 5 with a five-entry palette.
    files["palette_index_out_of_range.png"] = png(2, 1, 3, [bytes([1, 5])], 1, [0],
                                                  extra_before_idat=chunk(b"PLTE", palette))
    # An unknown critical chunk (upper-case first letter) before IDAT.
    files["unknown_critical.png"] = png(5, 5, 0, grey, 1, [0] * 5, extra_before_idat=chunk(b"CRIT", b"?"))
    files["interlaced.png"] = (SIGNATURE + ihdr(5, 5, 0, interlace=1)
                               + chunk(b"IDAT", zlib.compress(b"\x00" * 40)) + chunk(b"IEND", b""))
    files["depth16.png"] = (SIGNATURE + ihdr(2, 2, 0, bit_depth=16)
                            + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b""))
    # Image data one row short (4 of 5 rows).
    short = filter_rows(grey[:4], 1, [0] * 4)
    files["short_data.png"] = (SIGNATURE + ihdr(5, 5, 0) + chunk(b"IDAT", zlib.compress(short))
                               + chunk(b"IEND", b""))
    files["missing_idat.png"] = SIGNATURE + ihdr(5, 5, 0) + chunk(b"IEND", b"")
    files["missing_iend.png"] = good[:good.index(b"IEND") - 4]
    return files, {"grey": grey, "rgb": rgb, "grey_alpha": grey_alpha, "rgba": rgba, "indices": indices}


def main():
    files, pixels = fixtures()
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(files.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes", file=sys.stderr)
    if "--print" in sys.argv:
        for name, rows in pixels.items():
            print(name, "=", [list(r) for r in rows])


if __name__ == "__main__":
    main()
