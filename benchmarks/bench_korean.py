"""Korean word spacing: Tesseract's own text (ocr-16) against a gap ratio (ocr-15).

    nice .venv/bin/python benchmarks/bench_korean.py    # what `make bench-korean` runs

Tesseract's kor model reads some Korean words a syllable per TSV word ("계 획 과"); its
plain-text output from the same run spaces them as words ("계획과"). ocr-15 joined
syllables set closer than 0.33 line heights; ocr-16 joins them where the text sets no
space. Twelve pitch-deck lines are drawn in Noto Sans, Sans Bold and Serif CJK KR at
22, 32 and 48 px and read once per image by ``deckgen.ocr``; each way of spacing is then
scored on the same Tesseract words. Only lines whose letters are all read right are
scored (a wrong letter is OCR's error, not spacing's). Needs tesseract-ocr-kor and
fonts-noto-cjk. Results go to bench-out/korean.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from benchmarks.doc_section import publish  # noqa: E402
from deckgen import ocr  # noqa: E402
from deckgen.ocr_layout import reading_order  # noqa: E402
from deckgen.records import Word  # noqa: E402
from deckgen.text import HANGUL  # noqa: E402

START, END = "<!-- bench-korean:start -->", "<!-- bench-korean:end -->"
LINES = ["우리 팀은 시장을 바꿉니다", "투자 유치 계획과 사용처", "고객 확보 전략 및 성장률",
         "한국 스타트업 생태계 현황", "문제 정의와 해결 방안", "월간 활성 사용자 십만 명 돌파",
         "경쟁사 대비 우리의 강점", "수익 모델은 구독 기반입니다", "핵심 인력과 자문단 소개",
         "시리즈 에이 투자를 유치합니다", "글로벌 시장 진출 전략", "비용 절감과 매출 성장"]
FONTS = {"Sans": "NotoSansCJK-Regular.ttc", "Sans Bold": "NotoSansCJK-Bold.ttc",
         "Serif": "NotoSerifCJK-Regular.ttc"}
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SIZES = (22, 32, 48)
OCR15_GAP = 0.33  # line heights


def korean_face(path: Path, size: int) -> ImageFont.FreeTypeFont:
    for index in range(16):  # the .ttc holds JP, KR, SC, TC, HK faces
        face = ImageFont.truetype(str(path), size, index=index)
        if "KR" in face.getname()[0]:
            return face
    raise SystemExit(f"no Korean face in {path}")


def draw(face: ImageFont.FreeTypeFont, size: int) -> bytes:
    step = int(size * 2.2)
    image = Image.new("RGB", (size * 16, 40 + step * len(LINES)), "white")
    pen = ImageDraw.Draw(image)
    for i, line in enumerate(LINES):
        pen.text((20, 20 + i * step), line, fill="black", font=face)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def gap_ratio_text(words: list[Word]) -> str:
    """ocr-15's rule: Korean syllables closer than 0.33 heights are one word."""
    text = words[0].text
    for a, b in zip(words, words[1:], strict=False):
        gap = b.box[0] - (a.box[0] + a.box[2])
        joined = (HANGUL.match(a.text[-1]) and HANGUL.match(b.text[0])
                  and gap < OCR15_GAP * max(a.box[3], b.box[3]))
        text += ("" if joined else " ") + b.text
    return text


def space_errors(read: str, truth: str) -> tuple[int, int] | None:
    """(spaces lost, spaces added), or None when a letter is wrong."""
    if read.replace(" ", "") != truth.replace(" ", ""):
        return None

    def cuts(text: str) -> set[int]:
        at, found = 0, set()
        for ch in text:
            if ch == " ":
                found.add(at)
            else:
                at += 1
        return found

    return len(cuts(truth) - cuts(read)), len(cuts(read) - cuts(truth))


def measure() -> dict:
    params = ocr.OcrParams(lang="kor")
    ways = {"gap ratio 0.33 (ocr-15)": [], "Tesseract's text (ocr-16)": []}
    for (style, file), size in ((f, s) for f in FONTS.items() for s in SIZES):
        png = draw(korean_face(FONT_DIR / file, size), size)
        tsv, txt = ocr.split_output(ocr._run_tesseract(
            ocr.tesseract_input(ocr._decode_gray(png)), params))
        by_ratio = [gap_ratio_text(ln.words) for ln in reading_order(
            ocr._parse_tsv(tsv, 1.0, params.min_conf))]
        by_text = [ln.text for ln in reading_order(
            ocr._parse_tsv(tsv, 1.0, params.min_conf, txt))]
        for way, read in zip(ways, (by_ratio, by_text), strict=True):
            for truth in LINES:
                scored = [e for e in (space_errors(line, truth) for line in read) if e]
                ways[way].append({"style": style, "size": size, "truth": truth,
                                  "errors": scored[0] if scored else None})
    return {"ways": ways, "tesseract": ocr.tesseract_version(),
            "text_cost": text_cost()}


def text_cost(n: int = 30) -> dict:
    """Seconds of ``tsv`` and of ``tsv txt`` on the bundled corpus's first slides, each
    slide both ways in turn (the machine's load falls on both alike)."""
    params = ocr.OcrParams()
    slides = sorted((ROOT / "corpus").glob("*/*.jpg"))[:n]
    ratios = []
    for slide in slides:
        png = ocr.tesseract_input(ocr._decode_gray(slide.read_bytes()))
        took = []
        for formats in (["tsv"], ["tsv", "txt"]):
            cmd = [ocr._tesseract_path(), "stdin", "stdout", "--psm", str(params.psm), *formats]
            start = time.perf_counter()
            subprocess.run(cmd, input=png, capture_output=True, check=True,
                           env=dict(os.environ, OMP_THREAD_LIMIT="1"))
            took.append(time.perf_counter() - start)
        ratios.append(took[1] / took[0])
    return {"slides": len(slides), "median_ratio": statistics.median(ratios)}


def section(results: dict, command: str) -> str:
    rows = []
    for way, lines in results["ways"].items():
        scored = [ln["errors"] for ln in lines if ln["errors"]]
        lost, added = sum(e[0] for e in scored), sum(e[1] for e in scored)
        wrong = sum(1 for e in scored if e != (0, 0))
        rows.append(f"| {way} | {len(scored)} of {len(lines)} | {lost} | {added} | {wrong} |")
    return "\n".join([
        START,
        "## Korean word spacing",
        "",
        f"Command: `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{results['tesseract']}). Twelve pitch-deck lines in Noto Sans, Sans Bold and "
        "Serif CJK KR at 22, 32 and 48 px, read once each by Tesseract (`--psm 11`); both "
        "ways space the same words. Lines read with a wrong letter are not scored.",
        "",
        "| spacing | lines scored | spaces lost | spaces added | lines spaced wrong |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Asking Tesseract for its text in the same run (`tsv txt`) took "
        f"{results['text_cost']['median_ratio']:.3f}× the time of `tsv` alone (median of the "
        f"per-slide ratios over the bundled corpus's first {results['text_cost']['slides']} "
        "slides, each read both ways in turn).",
        END,
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-docs", action="store_true", help="do not edit docs/benchmarks.md")
    args = parser.parse_args()
    if "kor" not in ocr._installed_langs(ocr._tesseract_path()):
        raise SystemExit("needs tesseract-ocr-kor: sudo apt-get install -y tesseract-ocr-kor")
    if not FONT_DIR.joinpath(FONTS["Sans"]).exists():
        raise SystemExit("needs Noto CJK fonts: sudo apt-get install -y fonts-noto-cjk")
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    results = measure()
    publish(results, out / "korean.json", section(results, "nice .venv/bin/python "
                                                  "benchmarks/bench_korean.py"),
            START, END, not args.no_docs)


if __name__ == "__main__":
    main()
