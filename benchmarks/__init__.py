"""Tools of the checkout, left out of the wheel: the benchmark, the model generator, synthetic media, metrics."""
