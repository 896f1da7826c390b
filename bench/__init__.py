"""The national-scale benchmark, beside the app and never part of it: `FLASK_APP=bench.cli flask bench seed`
builds the dataset, `flask bench run` measures it (what `make bench` runs)."""
