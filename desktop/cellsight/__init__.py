"""Cellsight: a desktop research browser for the battery and EV supply chain."""

__version__ = "0.1.0"
APP_NAME = "Cellsight"
APP_ID = "io.cellsight.Cellsight"
