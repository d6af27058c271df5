"""Defaults and ranges of the controls under the names the library has always used, read from the one table in
`controls`; plus the page's preview size. Plain numbers only, so the command line's --help stays instant.
"""

from .controls import HUE as _HUE
from .controls import INTENSITY as _INTENSITY
from .controls import KEYFRAMES as _KEYFRAMES
from .controls import RENDER_SIZE as _RENDER_SIZE
from .controls import SATURATION as _SATURATION
from .controls import SMOOTHING as _SMOOTHING

INTENSITY = _INTENSITY.default
INTENSITY_RANGE = (_INTENSITY.low, _INTENSITY.high)
SATURATION = _SATURATION.default
SATURATION_RANGE = (_SATURATION.low, _SATURATION.high)
HUE = _HUE.default
HUE_RANGE = (_HUE.low, _HUE.high)

RENDER_SIZE = int(_RENDER_SIZE.default)
RENDER_SIZE_RANGE = (int(_RENDER_SIZE.low), int(_RENDER_SIZE.high))
RENDER_SIZE_STEP = int(_RENDER_SIZE.step)

SMOOTHING = _SMOOTHING.default
KEYFRAMES = int(_KEYFRAMES.default)
KEYFRAMES_RANGE = (int(_KEYFRAMES.low), int(_KEYFRAMES.high))

PREVIEW_SIZE = 2048  # long side of the app's before/after preview
