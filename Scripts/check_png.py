#!/usr/bin/env python3
# Checks PNG files independently of Perceptron's decoder: walks the chunks with struct,
# verifies every CRC, the IHDR fields, the chunk order, inflates the image data with zlib and
# undoes the row filters, so a file that passes holds exactly the pixels its header promises.
#
# Standard library only (struct + zlib), from the PNG specification (ISO/IEC 15948, W3C PNG
# 2nd edition); Python 3.8 or newer. Interlaced files are walked and inflated but their
# passes are not unfiltered.
#
# Run:  python3 Scripts/check_png.py runs/<run>/samples.png runs/<run>/misclassified.png
#       python3 Scripts/check_png.py --size 280x280 digit.png
# Prints one line per file ("ok  456x551 RGB 8-bit, 3 chunks ...") and exits 1 if any fails.

import argparse
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Colour type: (name, samples per pixel, allowed bit depths).
COLOR_TYPES = {
    0: ("grey", 1, (1, 2, 4, 8, 16)),
    2: ("RGB", 3, (8, 16)),
    3: ("palette", 1, (1, 2, 4, 8)),
    4: ("grey+alpha", 2, (8, 16)),
    6: ("RGBA", 4, (8, 16)),
}


class BadPNG(Exception):
    pass


def chunks(data):
    """Yields (type, payload) for each chunk, checking lengths and CRCs."""
    if data[:8] != SIGNATURE:
        raise BadPNG("not a PNG signature: %r" % data[:8])
    offset = 8
    while offset < len(data):
        if offset + 12 > len(data):
            raise BadPNG("truncated chunk header at byte %d" % offset)
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if length > 0x7FFFFFFF:
            raise BadPNG("chunk length %d above 2^31 - 1 at byte %d" % (length, offset))
        end = offset + 8 + length
        if end + 4 > len(data):
            raise BadPNG("chunk %r of %d bytes runs past the end of the file" % (kind, length))
        payload = data[offset + 8:end]
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(kind + payload) & 0xFFFFFFFF != crc:
            raise BadPNG("CRC mismatch in chunk %r at byte %d" % (kind, offset))
        yield kind, payload
        offset = end + 4
        if kind == b"IEND" and offset < len(data):
            raise BadPNG("%d bytes after the IEND chunk" % (len(data) - offset))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, width, height, bits_per_pixel):
    """Undoes the five row filters; returns the unfiltered rows."""
    stride = (width * bits_per_pixel + 7) // 8
    bpp = max(1, bits_per_pixel // 8)
    rows, previous, offset = [], bytearray(stride), 0
    for y in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                corner = previous[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + paeth(left, previous[i], corner)) & 0xFF
        elif kind != 0:
            raise BadPNG("row %d has filter type %d (0...4 allowed)" % (y, kind))
        rows.append(line)
        previous = line
    return rows


def check(path):
    """Returns a one-line summary of a valid PNG; raises BadPNG otherwise."""
    with open(path, "rb") as handle:
        data = handle.read()
    order = []
    header = None
    idat = bytearray()
    palette = None
    for kind, payload in chunks(data):
        if not order and kind != b"IHDR":
            raise BadPNG("first chunk is %r, not IHDR" % kind)
        if kind == b"IHDR":
            if order:
                raise BadPNG("second IHDR")
            if len(payload) != 13:
                raise BadPNG("IHDR of %d bytes, expected 13" % len(payload))
            header = struct.unpack(">IIBBBBB", payload)
        elif kind == b"PLTE":
            if len(payload) % 3 or not 3 <= len(payload) <= 768:
                raise BadPNG("PLTE of %d bytes" % len(payload))
            palette = payload
        elif kind == b"IDAT":
            if b"IDAT" in order and order[-1] != b"IDAT":
                raise BadPNG("IDAT chunks are not consecutive")
            idat += payload
        elif kind[0:1].isupper() and kind not in (b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
                                                   b"sBIT", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"tIME",
                                                   b"tEXt", b"zTXt", b"iTXt"):
            raise BadPNG("unknown critical chunk %r" % kind)
        order.append(kind)
    if not order or order[-1] != b"IEND":
        raise BadPNG("no IEND chunk at the end")
    width, height, depth, color, compression, filtering, interlace = header
    if width == 0 or height == 0 or width > 0x7FFFFFFF or height > 0x7FFFFFFF:
        raise BadPNG("image size %dx%d" % (width, height))
    if color not in COLOR_TYPES or depth not in COLOR_TYPES[color][2]:
        raise BadPNG("colour type %d with bit depth %d is not allowed" % (color, depth))
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise BadPNG("compression %d, filter method %d, interlace %d" % (compression, filtering, interlace))
    if color == 3 and palette is None:
        raise BadPNG("palette image without PLTE")
    if not idat:
        raise BadPNG("no IDAT data")
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as error:
        raise BadPNG("IDAT does not inflate: %s" % error)
    name, samples, _ = COLOR_TYPES[color]
    bits = samples * depth
    if interlace == 0:
        expected = height * (1 + (width * bits + 7) // 8)
        if len(raw) != expected:
            raise BadPNG("IDAT inflates to %d bytes, the header implies %d" % (len(raw), expected))
        unfilter(raw, width, height, bits)
    return "%dx%d %s %d-bit, %d chunks (%s), %d bytes" % (
        width, height, name, depth, len(order), " ".join(k.decode("latin-1") for k in order), len(data))


def main():
    parser = argparse.ArgumentParser(description="Check PNG files chunk by chunk (struct + zlib).")
    parser.add_argument("files", nargs="+", help="PNG files to check")
    parser.add_argument("--size", help="require this size, WIDTHxHEIGHT, e.g. 280x280")
    arguments = parser.parse_args()
    failed = False
    for path in arguments.files:
        try:
            summary = check(path)
            if arguments.size and not summary.startswith(arguments.size + " "):
                raise BadPNG("size is %s, expected %s" % (summary.split()[0], arguments.size))
            print("ok    %s: %s" % (path, summary))
        except (BadPNG, OSError, struct.error) as error:
            print("FAIL  %s: %s" % (path, error))
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
