"""The model: its files (what they are, fetching and verifying them), reading Caffe, the ONNX translation,
the int8 copy and its self-check, and how the network loads (`settings.ModelSettings`)."""
