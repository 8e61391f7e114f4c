"""Where a PDF page shows something: the boxes of its text, paths, images and annotations.

Used by the controlled-copy stamp (``stamp.py``) to find a place that covers nothing; one
entry point, ``content_boxes(page)``, plus the small geometry the stamp shares. It walks
the page's content stream (forms followed, bounded), errs towards larger boxes, and
answers None when a page cannot be measured (the stamp then adds a band).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 with x0 <= x1, y0 <= y1
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
EVERYWHERE: Box = (-math.inf, -math.inf, math.inf, math.inf)
MAX_OPERATIONS = 2_000_000  # content operators measured per page (forms included) before giving up
MAX_FORM_DEPTH = 12


# -- geometry -----------------------------------------------------------------------------
def _multiply(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying FIRST, then THEN (PDF row-vector convention)."""
    a, b, c, d, e, f = first
    A, B, C, D, E, F = then
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _invert(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if det == 0:
        raise ValueError("singular matrix")
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _transform_box(m: Matrix, box: Box) -> Box:
    """The bounding box of BOX's four corners under M."""
    x0, y0, x1, y1 = box
    pts = [_apply(m, x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(a: Box, b: Box) -> Box | None:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x0, y0, x1, y1) if x0 <= x1 and y0 <= y1 else None


def _overlaps(a: Box, b: Box) -> bool:
    """Whether A and B share interior points (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _grow(box: Box, by: float) -> Box:
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


def _scale_of(m: Matrix) -> float:
    """The largest factor by which M stretches a length."""
    return max(math.hypot(m[0], m[1]), math.hypot(m[2], m[3]))


def _num(value: Any, default: float = 0.0) -> float:
    try:
        result = float(value.get_object() if hasattr(value, "get_object") else value)
    except Exception:
        return default
    return result if math.isfinite(result) else default


def _matrix(values: Any) -> Matrix | None:
    """Six numbers as a matrix; None when VALUES are not six numbers."""
    try:
        items = list(values)[:7]
    except Exception:
        return None
    if len(items) != 6:
        return None
    a, b, c, d, e, f = (_num(v, math.nan) for v in items)
    return (a, b, c, d, e, f) if all(map(math.isfinite, (a, b, c, d, e, f))) else None


def _obj(value: Any) -> Any:
    try:
        return value.get_object() if hasattr(value, "get_object") else value
    except Exception:
        return None


def _get(mapping: Any, key: str) -> Any:
    """MAPPING[KEY] resolved, or None for anything missing, damaged or not a dictionary."""
    try:
        return _obj(mapping.get(key)) if hasattr(mapping, "get") else None
    except Exception:
        return None


# -- Measuring: what a page shows, as boxes in its user space ----------------------------------
class _Font:
    """What the measure needs of a font: bytes per code, advance of a code (in text space
    units for a font size of 1), ascent and descent (likewise), and the writing direction.
    Widths it cannot know are taken at their largest, so a box is never too small."""

    def __init__(self, font: Any) -> None:
        self.vertical = False
        self.code_bytes: Callable[[bytes], list[int]] = lambda data: list(data)
        self.word_space = True  # Tw applies to the one-byte code 32
        self.scale = 0.001  # glyph space → text space
        widths: dict[int, float] = {}
        ranges: list[tuple[int, int, float]] = []
        default = 1000.0
        descriptor: Any = None
        bbox: list[float] = []
        subtype = _get(font, "/Subtype")
        if subtype == "/Type0":
            self.word_space = False
            descendants = _get(font, "/DescendantFonts")
            cid = _obj(descendants[0]) if descendants else None
            default = _num(_get(cid, "/DW"), 1000.0) if cid is not None else 1000.0
            w = _get(cid, "/W")
            if w is not None:
                widths, ranges = _cid_widths(w)
            descriptor = _get(cid, "/FontDescriptor")
            encoding = _get(font, "/Encoding")
            identity = encoding in ("/Identity-H", "/Identity-V")
            if isinstance(encoding, str):
                self.vertical = encoding.endswith("-V")
                if identity or "UCS2" in encoding or "UTF16" in encoding:
                    self.code_bytes = _two_bytes
            elif encoding is not None:
                self.vertical = _num(_get(encoding, "/WMode")) == 1
                self.code_bytes = _codespace_decoder(encoding)
            if not identity:  # codes are not CIDs: any code may be the widest glyph
                default = max([default, *widths.values(), *(r[2] for r in ranges)])
                widths, ranges = {}, []
        else:
            first = int(_num(_get(font, "/FirstChar")))
            listed = _get(font, "/Widths")
            if listed is not None:
                for i, value in enumerate(list(listed)[:256]):
                    widths[first + i] = _num(value)
            descriptor = _get(font, "/FontDescriptor")
            missing = _num(_get(descriptor, "/MissingWidth")) if descriptor is not None else 0.0
            # No /Widths (one of the 14 standard fonts): a full em per glyph, the most any
            # of them needs. Codes outside /Widths: /MissingWidth, or the widest listed.
            default = missing or max(widths.values(), default=1000.0) or 1000.0
            if subtype == "/Type3":
                matrix = _get(font, "/FontMatrix")
                values = [_num(v) for v in list(matrix)[:6]] if matrix is not None else []
                self.scale = max(abs(values[0]), abs(values[3])) if len(values) == 6 else 0.001
                raw = _get(font, "/FontBBox")
                bbox = [_num(v) for v in list(raw)[:4]] if raw is not None else []
        self._widths, self._ranges, self._default = widths, ranges, default
        if descriptor is not None and not bbox:
            raw = _get(descriptor, "/FontBBox")
            bbox = [_num(v) for v in list(raw)[:4]] if raw is not None else []
        ascent = _num(_get(descriptor, "/Ascent")) if descriptor is not None else 0.0
        descent = _num(_get(descriptor, "/Descent")) if descriptor is not None else 0.0
        if len(bbox) == 4:
            ascent, descent = max(ascent, bbox[1], bbox[3]), min(descent, bbox[1], bbox[3])
        ascent, descent = ascent * self.scale, descent * self.scale  # in ems now
        self.ascent = min(max(ascent, 0.7), 1.5) if ascent > 0 else 1.0
        self.descent = max(min(descent, -0.2), -0.6) if descent < 0 else -0.3

    def width(self, code: int) -> float:
        found = self._widths.get(code)
        if found is None:
            for first, last, value in self._ranges:
                if first <= code <= last:
                    return value * self.scale
            return self._default * self.scale
        return found * self.scale


_UNKNOWN_FONT = _Font(None)  # a Tf naming no font: one byte a code, a full em each


def _string_bytes(part: bytes | str) -> bytes:
    """The bytes of a string operand as written in the content stream."""
    raw = getattr(part, "original_bytes", None)
    if isinstance(raw, bytes):
        return raw
    return part if isinstance(part, bytes) else part.encode("latin-1", "replace")


def _two_bytes(data: bytes) -> list[int]:
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def _cid_widths(w: Any) -> tuple[dict[int, float], list[tuple[int, int, float]]]:
    """A CIDFont's /W: [c [w1 w2 …]] and [c_first c_last w] entries."""
    widths: dict[int, float] = {}
    ranges: list[tuple[int, int, float]] = []
    items = [_obj(item) for item in list(w)[:100_000]]
    i = 0
    while i + 1 < len(items):
        first, nxt = int(_num(items[i])), items[i + 1]
        if hasattr(nxt, "__iter__") and not isinstance(nxt, str | bytes):
            for k, value in enumerate(list(nxt)[:65_536]):
                widths[first + k] = _num(value)
            i += 2
        elif i + 2 < len(items):
            ranges.append((first, int(_num(nxt)), _num(items[i + 2])))
            i += 3
        else:
            break
    return widths, ranges


def _codespace_decoder(cmap: Any) -> Callable[[bytes], list[int]]:
    """Splits strings into codes by an embedded CMap's codespace ranges (one byte a code
    when they cannot be read: more codes, each at the widest glyph, is a larger box)."""
    try:
        text = cmap.get_data().decode("latin-1")
    except Exception:
        return list
    spaces: list[tuple[bytes, bytes]] = []
    for block in re.findall(r"begincodespacerange(.*?)endcodespacerange", text, re.S):
        hexes = re.findall(r"<([0-9A-Fa-f\s]*)>", block)
        for lo, hi in zip(hexes[::2], hexes[1::2], strict=False):
            lo_b, hi_b = bytes.fromhex("".join(lo.split())), bytes.fromhex("".join(hi.split()))
            if len(lo_b) == len(hi_b) and lo_b:
                spaces.append((lo_b, hi_b))
    if not spaces:
        return list
    if all(len(lo) == 2 for lo, _ in spaces):
        return _two_bytes
    spaces.sort(key=lambda s: len(s[0]))

    def decode(data: bytes) -> list[int]:
        codes, i = [], 0
        while i < len(data):
            for lo, hi in spaces:
                part = data[i:i + len(lo)]
                if len(part) == len(lo) and all(a <= b <= c for a, b, c in zip(lo, part, hi,
                                                                                 strict=True)):
                    codes.append(int.from_bytes(part, "big"))
                    i += len(lo)
                    break
            else:
                codes.append(data[i])
                i += 1
        return codes

    return decode


class _Path:
    """The path being built, in user space: the boxes of its segments (what a stroke paints)
    and the box of all its points (what a fill or a clip covers)."""

    CHUNK = 16  # a long path's segments are boxed this many together: few boxes, still tight

    def __init__(self) -> None:
        self.segments: list[Box] = []
        self.start: tuple[float, float] | None = None
        self.current: tuple[float, float] | None = None

    def move(self, p: tuple[float, float]) -> None:
        self.start = self.current = p
        self.segments.append((p[0], p[1], p[0], p[1]))

    def line(self, p: tuple[float, float]) -> None:
        self.curve([p])

    def curve(self, points: list[tuple[float, float]]) -> None:
        if not points:
            return
        if self.current is None:
            self.move(points[0])
        pts = [self.current or points[0], *points]
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        self.segments.append((min(xs), min(ys), max(xs), max(ys)))
        self.current = points[-1]

    def close(self) -> None:
        if self.start is not None and self.current is not None:
            self.line(self.start)

    def box(self) -> Box | None:
        if not self.segments:
            return None
        return (min(s[0] for s in self.segments), min(s[1] for s in self.segments),
                max(s[2] for s in self.segments), max(s[3] for s in self.segments))

    def stroke_boxes(self) -> list[Box]:
        segments = self.segments
        if len(segments) <= 4 * self.CHUNK:
            return segments
        chunks = []
        for i in range(0, len(segments), self.CHUNK):
            part = segments[i:i + self.CHUNK]
            chunks.append((min(s[0] for s in part), min(s[1] for s in part),
                           max(s[2] for s in part), max(s[3] for s in part)))
        return chunks


@dataclass
class _GState:
    ctm: Matrix = IDENTITY
    clip: Box = EVERYWHERE
    line_width: float = 1.0
    fill_white: bool = False
    stroke_white: bool = False
    fill_space: str = "/DeviceGray"
    stroke_space: str = "/DeviceGray"
    font: _Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    h_scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self) -> _GState:
        return _GState(**self.__dict__)


_PAINT = {b"S": (False, True), b"s": (False, True), b"f": (True, False), b"F": (True, False),
          b"f*": (True, False), b"B": (True, True), b"B*": (True, True), b"b": (True, True),
          b"b*": (True, True), b"n": (False, False)}
_WHITE_SPACES = {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4, "/G": 1, "/RGB": 3,
                 "/CMYK": 4}


class _Measure:
    """Interprets content streams for the boxes they paint (in the page's user space)."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.boxes: list[Box] = []
        self.operations = 0
        self.fonts: dict[int, _Font] = {}

    # painting
    def mark(self, box: Box, gs: _GState) -> None:
        clipped = _intersect(box, gs.clip)
        if clipped is not None:
            self.boxes.append(clipped)

    def font(self, resources: Any, name: Any) -> _Font:
        fonts = _get(resources, "/Font")
        font = _get(fonts, str(name)) if fonts is not None else None
        key = id(font)
        if key not in self.fonts:
            try:
                self.fonts[key] = _Font(font)
            except Exception:
                self.fonts[key] = _Font(None)
        return self.fonts[key]

    def white(self, resources: Any, space: str, operands: Sequence[Any]) -> bool:
        """Whether OPERANDS in colour space SPACE are white (paint that shows nothing on paper).
        Only device spaces and ICC-based ones with 1, 3 or 4 components are judged."""
        count = _WHITE_SPACES.get(space)
        if count is None:
            spaces = _get(resources, "/ColorSpace")
            value = _get(spaces, space) if spaces is not None else None
            if isinstance(value, str):
                count = _WHITE_SPACES.get(value)
            elif value is not None and len(value) >= 2 and _obj(value[0]) == "/ICCBased":
                count = int(_num(_get(_obj(value[1]), "/N")))
        if count not in (1, 3, 4) or len(operands) != count:
            return False
        values = [_num(v, 0.5) for v in operands]
        return all(v <= 0.001 for v in values) if count == 4 else all(v >= 0.999 for v in values)

    def run(self, content: Any, resources: Any, gs: _GState, depth: int, forms: set[int]) -> None:
        from pypdf.generic import ContentStream

        if content is None:
            return
        stream = content if isinstance(content, ContentStream) else ContentStream(content, self.pdf)
        stack: list[_GState] = []
        path = _Path()
        clip_next = False
        tm = tlm = IDENTITY

        def point(x: float, y: float) -> tuple[float, float]:
            return _apply(gs.ctm, x, y)

        def show(parts: Sequence[Any]) -> None:
            """One text-showing operator: marks the box its glyphs take and moves the text
            matrix past them (character and word spacing, scaling, TJ adjustments, rise)."""
            nonlocal tm
            font = gs.font or _UNKNOWN_FONT
            size, th = gs.size, gs.h_scale
            pos = low = high = 0.0
            for part in parts:
                if isinstance(part, bytes | str):
                    for code in font.code_bytes(_string_bytes(part)):
                        space = gs.word_spacing if font.word_space and code == 32 else 0.0
                        if font.vertical:  # each glyph a full em downwards (the default /W2)
                            pos += -size + gs.char_spacing + space
                            low = min(low, pos)
                        else:
                            w = font.width(code) * size * th
                            low, high = min(low, pos, pos + w), max(high, pos, pos + w)
                            pos += w + (gs.char_spacing + space) * th
                else:  # a TJ adjustment, thousandths of an em against the writing direction
                    shift = _num(part) / 1000 * size
                    pos -= shift if font.vertical else shift * th
            to_user = _multiply(tm, gs.ctm)
            if font.vertical:
                box: Box = (-0.6 * size, low - 0.2 * size, 0.6 * size, high + 0.3 * size)
                tm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, pos), tm)
            else:
                y0, y1 = sorted((font.descent * size + gs.rise, font.ascent * size + gs.rise))
                box = (low, y0, high, y1)
                tm = _multiply((1.0, 0.0, 0.0, 1.0, pos, 0.0), tm)
            self.mark(_transform_box(to_user, box), gs)

        for operands, operator in stream.operations:
            self.operations += 1
            if self.operations > MAX_OPERATIONS:
                raise ValueError("too many content operators to measure")
            op = operator
            if self.simple(op, operands, resources, gs, depth, forms):
                continue
            if op == b"q":
                stack.append(gs.copy())
            elif op == b"Q":
                if stack:
                    gs.__dict__.update(stack.pop().__dict__)
            elif op == b"cm":
                m = _matrix(operands)
                if m is not None:
                    gs.ctm = _multiply(m, gs.ctm)
            elif op == b"m" and len(operands) == 2:
                path.move(point(_num(operands[0]), _num(operands[1])))
            elif op == b"l" and len(operands) == 2:
                path.line(point(_num(operands[0]), _num(operands[1])))
            elif op in (b"c", b"v", b"y"):
                values = [_num(v) for v in operands]
                path.curve([point(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)])
            elif op == b"h":
                path.close()
            elif op == b"re" and len(operands) == 4:
                x, y, w, h = (_num(v) for v in operands)
                path.move(point(x, y))
                path.line(point(x + w, y))
                path.line(point(x + w, y + h))
                path.line(point(x, y + h))
                path.close()
            elif op in (b"W", b"W*"):
                clip_next = True
            elif op in _PAINT:
                fill, stroke = _PAINT[op]
                box = path.box()
                if box is not None:
                    width = gs.line_width * _scale_of(gs.ctm) + 0.5  # and a little for the joins
                    if fill and not gs.fill_white:
                        self.mark(_grow(box, width) if stroke and not gs.stroke_white else box, gs)
                    elif stroke and not gs.stroke_white:  # only the outline: a frame leaves its inside free
                        for part in path.stroke_boxes():
                            self.mark(_grow(part, width), gs)
                    if clip_next:
                        gs.clip = _intersect(gs.clip, box) or (box[0], box[1], box[0], box[1])
                path, clip_next = _Path(), False
            elif op == b"BT":
                tm = tlm = IDENTITY
            elif op == b"Tf" and len(operands) == 2:
                gs.font, gs.size = self.font(resources, operands[0]), _num(operands[1])
            elif op == b"Tm":
                tm = tlm = _matrix(operands) or tlm
            elif op in (b"Td", b"TD") and len(operands) == 2:
                tx, ty = _num(operands[0]), _num(operands[1])
                if op == b"TD":
                    gs.leading = -ty
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op == b"T*":
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading), tlm)
            elif op == b"Tj" and operands:
                show([operands[0]])
            elif op == b"TJ" and operands:
                show(list(operands[0]) if hasattr(operands[0], "__iter__") else [])
            elif op in (b"'", b'"') and operands:
                if op == b'"' and len(operands) == 3:
                    gs.word_spacing, gs.char_spacing = _num(operands[0]), _num(operands[1])
                tm = tlm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading), tlm)
                show([operands[-1]])

    def simple(self, op: bytes, operands: Sequence[Any], resources: Any, gs: _GState, depth: int,
               forms: set[int]) -> bool:
        """The operators that need no path or text-matrix state; whether it took OP."""
        if op == b"w" and operands:
            gs.line_width = abs(_num(operands[0], 1.0))
        elif op == b"Tc" and operands:
            gs.char_spacing = _num(operands[0])
        elif op == b"Tw" and operands:
            gs.word_spacing = _num(operands[0])
        elif op == b"Tz" and operands:
            gs.h_scale = _num(operands[0], 100.0) / 100
        elif op == b"TL" and operands:
            gs.leading = _num(operands[0])
        elif op == b"Ts" and operands:
            gs.rise = _num(operands[0])
        elif op in (b"g", b"rg", b"k"):
            gs.fill_space = {b"g": "/DeviceGray", b"rg": "/DeviceRGB", b"k": "/DeviceCMYK"}[op]
            gs.fill_white = self.white(resources, gs.fill_space, operands)
        elif op in (b"G", b"RG", b"K"):
            gs.stroke_space = {b"G": "/DeviceGray", b"RG": "/DeviceRGB", b"K": "/DeviceCMYK"}[op]
            gs.stroke_white = self.white(resources, gs.stroke_space, operands)
        elif op == b"cs" and operands:
            gs.fill_space, gs.fill_white = str(operands[0]), False
        elif op == b"CS" and operands:
            gs.stroke_space, gs.stroke_white = str(operands[0]), False
        elif op in (b"sc", b"scn"):
            gs.fill_white = self.white(resources, gs.fill_space, operands)
        elif op in (b"SC", b"SCN"):
            gs.stroke_white = self.white(resources, gs.stroke_space, operands)
        elif op == b"INLINE IMAGE":
            self.mark(_transform_box(gs.ctm, (0.0, 0.0, 1.0, 1.0)), gs)
        elif op == b"sh":
            self.mark(gs.clip, gs)
        elif op == b"Do" and operands:
            self.xobject(operands[0], resources, gs, depth, forms)
        else:
            return False
        return True

    def xobject(self, name: Any, resources: Any, gs: _GState, depth: int, forms: set[int]) -> None:
        xobjects = _get(resources, "/XObject")
        xobj = _get(xobjects, str(name)) if xobjects is not None else None
        if xobj is None:
            return
        subtype = _get(xobj, "/Subtype")
        if subtype == "/Image":
            self.mark(_transform_box(gs.ctm, (0.0, 0.0, 1.0, 1.0)), gs)
            return
        if subtype != "/Form":
            return
        raw = _get(xobj, "/Matrix")
        matrix = (_matrix(raw) if raw is not None else None) or IDENTITY
        inner = gs.copy()
        inner.ctm = _multiply(matrix, gs.ctm)
        raw_bbox = _get(xobj, "/BBox")
        bbox = [_num(v) for v in list(raw_bbox)[:4]] if raw_bbox is not None else []
        if len(bbox) == 4:
            box = (min(bbox[0], bbox[2]), min(bbox[1], bbox[3]),
                   max(bbox[0], bbox[2]), max(bbox[1], bbox[3]))
            inner.clip = _intersect(inner.clip, _transform_box(inner.ctm, box)) or (0, 0, 0, 0)
        key = id(xobj)
        if depth >= MAX_FORM_DEPTH or key in forms:
            self.mark(inner.clip, inner)  # too deep or a loop: all of it counts as painted
            return
        own = _get(xobj, "/Resources")
        self.run(xobj, own if own is not None else resources, inner, depth + 1, forms | {key})


def _annotation_boxes(page: Any) -> list[Box]:
    """The /Rect of every annotation a viewer shows (not hidden, not a closed pop-up): form
    fields, notes, stamps and links are drawn over the page, and over a stamp merged into it."""
    boxes: list[Box] = []
    for annot in list(_get(page, "/Annots") or [])[:10_000]:
        annot = _obj(annot)
        if _get(annot, "/Subtype") == "/Popup":
            continue
        if int(_num(_get(annot, "/F"))) & (2 | 32):  # Hidden, NoView
            continue
        rect = _get(annot, "/Rect")
        values = [_num(v) for v in list(rect)[:4]] if rect is not None else []
        if len(values) == 4:
            boxes.append((min(values[0], values[2]), min(values[1], values[3]),
                          max(values[0], values[2]), max(values[1], values[3])))
    return boxes


def content_boxes(page: Any) -> list[Box] | None:
    """Boxes, in PAGE's user space, covering everything the page paints and every annotation
    shown on it; None when its content cannot be measured (treat the page as full)."""
    measure = _Measure(getattr(page, "pdf", None))
    try:
        measure.run(page.get_contents(), _get(page, "/Resources"), _GState(), 0, set())
        return measure.boxes + _annotation_boxes(page)
    except Exception:
        return None


# -- Placing: a free place in displayed coordinates ------------------------------------------
