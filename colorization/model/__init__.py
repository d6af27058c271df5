"""The model files: what they are, fetching and verifying them, reading Caffe, ONNX and int8."""
