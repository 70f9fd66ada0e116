"""villenum: re-doing the 2013 'Baromètre Ville numérique' from data to every number and figure."""

__version__ = "0.1.0"
