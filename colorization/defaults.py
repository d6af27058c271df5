"""Defaults and ranges of every control, in one place: the library, the CLI flags and the app's sliders.

Plain numbers only (no heavy imports), so the command line's --help stays instant.
"""

INTENSITY = 1.0
INTENSITY_RANGE = (0.0, 2.0)
SATURATION = 1.0
SATURATION_RANGE = (0.0, 2.0)
HUE = 0.0
HUE_RANGE = (-180.0, 180.0)  # degrees; any angle is accepted and wrapped into this range

RENDER_SIZE = 224  # the network's input side; what it was trained at
RENDER_SIZE_RANGE = (64, 1024)
RENDER_SIZE_STEP = 8  # three stride-2 stages

SMOOTHING = 0.85  # temporal smoothing strength, 0 = every frame on its own
KEYFRAMES = 8  # a network run at least every KEYFRAMES frames, sooner where carried colors lose trust
KEYFRAMES_RANGE = (1, 16)

PREVIEW_SIZE = 2048  # long side of the app's before/after preview
