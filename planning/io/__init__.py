"""Reading and writing: the only subpackage that knows file formats, encodings and field names.

- :func:`read_layer` reads the files a bureau really has into one schema and one metric CRS,
  with every repair in a :class:`LayerReport`;
- :func:`write_layer` / :func:`write_layers` write layers atomically (other layers of a
  GeoPackage are kept), :func:`atomic_output` puts any file or folder in place atomically
  (:func:`recover_output` restores what a killed save moved aside);
- :func:`check_file` refuses files that are not what they claim (named pipes, link loops,
  empty, truncated or encrypted files) before anything opens them, :func:`gdal_errors` turns
  GDAL's errors into :class:`planning.LayerFileError` naming the user's file, and
  :func:`check_encoding` checks a text encoding's name;
- :func:`list_layers`, :func:`standard_fields`, :func:`map_fields`; the territorial plan's
  standard layer names (:func:`standard_layers`, :func:`layer_schema`, :func:`map_layers`,
  :func:`boundary_zones`), used when a File Geodatabase or GeoPackage opens as a workspace;
- :mod:`planning.io.workbook`, the one workbook layer: :func:`write_workbook` (every
  ``.xlsx`` the toolkit writes, text never a formula), :func:`write_csv` (UTF-8 with BOM,
  formula-like text protected), :func:`read_grid` (every sheet it reads, ``.xlsx`` / ``.xls`` /
  ``.csv``, memory following the cells that exist) and :func:`read_header_map`;
- :mod:`planning.io.document`, the one document layer: a :class:`Document` (headings,
  paragraphs, facts, tables with the workbook's column kinds, pictures, blank opinion boxes,
  A4/A3 pages with numbered footers) written by :func:`write_document` as Word (.docx) or
  PDF (a CJK font embedded), atomically;
- :mod:`planning.io.postgis` stores workspaces in PostGIS (extra ``postgis``).
"""

from __future__ import annotations

from planning.io._atomic import atomic_output, recover_output
from planning.io._encoding import check_encoding
from planning.io._fields import map_fields, standard_fields
from planning.io._files import check_file, gdal_errors
from planning.io._layers import (
    TERRITORIAL_LAYERS,
    boundary_zones,
    layer_schema,
    map_layers,
    standard_layers,
)
from planning.io._read import ID_COLUMNS, read_layer
from planning.io._report import LayerReport
from planning.io._write import (
    driver_for,
    geometry_type,
    list_layers,
    write_layer,
    write_layers,
)
from planning.io.document import Document, write_document
from planning.io.workbook import (
    Column,
    Grid,
    Sheet,
    SheetInfo,
    Table,
    WrittenFile,
    read_grid,
    read_header_map,
    write_csv,
    write_workbook,
)

__all__ = [
    "ID_COLUMNS",
    "TERRITORIAL_LAYERS",
    "Column",
    "Document",
    "Grid",
    "LayerReport",
    "Sheet",
    "SheetInfo",
    "Table",
    "WrittenFile",
    "atomic_output",
    "boundary_zones",
    "check_encoding",
    "check_file",
    "driver_for",
    "gdal_errors",
    "geometry_type",
    "layer_schema",
    "list_layers",
    "map_fields",
    "map_layers",
    "read_grid",
    "read_header_map",
    "read_layer",
    "recover_output",
    "standard_fields",
    "standard_layers",
    "write_csv",
    "write_document",
    "write_layer",
    "write_layers",
    "write_workbook",
]
