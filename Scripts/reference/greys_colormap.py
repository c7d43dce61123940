#!/usr/bin/env python3
# Prints matplotlib's 'Greys' colormap as 256 bytes, the table Colormap.greys reproduces and
# ColormapTests holds: matplotlib.colormaps["Greys"](v, bytes=True) for v in 0...255.
#
# Python 3.11.7, matplotlib 3.11.2, numpy 2.4.6 (pip install matplotlib).
# Run:  python3 Scripts/reference/greys_colormap.py
# It also checks that plt.imsave / imshow of a uint8 image holding 0...255 (so the default
# autoscaling is vmin 0, vmax 255) picks the same colours, and prints the segment data.

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import _cm

table = matplotlib.colormaps["Greys"](np.arange(256), bytes=True)
assert (table[:, 0] == table[:, 1]).all() and (table[:, 0] == table[:, 2]).all()
assert (table[:, 3] == 255).all()

image = np.arange(256, dtype=np.uint8).reshape(16, 16)
buffer = io.BytesIO()
plt.imsave(buffer, image, cmap="Greys", format="png")
buffer.seek(0)
saved = (plt.imread(buffer, format="png")[:, :, 0] * 255).round().astype(np.uint8).ravel()
print("imsave agrees with the table:", bool((saved == table[:, 0]).all()))
print("matplotlib", matplotlib.__version__, "numpy", np.__version__)
print("segment data (colorbrewer Greys, 9 evenly spaced stops):", [round(c[0] * 255) for c in _cm._Greys_data])
print("greys =", table[:, 0].tolist())
