"""NNPDF's theory stack for real data: theory cards, the content-addressed theory cache, yadism
grids, eko operators and pineko FK tables, and their conversion to the training layout.

Modules (heavy packages are imported inside functions, so importing this package is cheap):

* ``cards``     an NNPDF theory card by id with overrides; its yadism and eko forms;
* ``cache``     content hashes of (inputs, package versions) and where cached files live;
* ``xgrid``     the interpolation x-grid of grids, operators and FK tables;
* ``plan``      which grids, operators and FK tables a runcard needs, with their cache keys;
* ``grids``     yadism DIS grids (PineAPPL) per data set;
* ``operators`` eko evolution operators per group of scales;
* ``fktables``  grid + operators -> FK table (PineAPPL's FK format), pineko's recipe;
* ``rotation``  evolution basis of the FK tables -> replifold's flavour basis.
"""
