"""Word → PDF with LibreOffice headless, a private profile per conversion and a fontconfig alias
file so Windows 公文 font names (仿宋_GB2312, 黑体, 方正小标宋简体 …) render with Noto CJK
(stack-notes §3)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

FONT_ALIASES = {
    "Noto Serif CJK SC": ["宋体", "SimSun", "仿宋", "仿宋_GB2312", "FangSong", "楷体", "楷体_GB2312", "KaiTi",
                          "方正小标宋简体", "方正小标宋_GBK", "华文中宋"],
    "Noto Sans CJK SC": ["黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线"],
}


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed or the conversion failed (message in Chinese)."""


def libreoffice() -> str | None:
    return os.environ.get("GAOXIN_LIBREOFFICE") or shutil.which("libreoffice") or shutil.which("soffice")


def fontconfig_xml() -> str:
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer><family>{target}</family></prefer></alias>'
        for target, names in FONT_ALIASES.items() for name in names)
    return ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' + aliases + "</fontconfig>")


def docx_to_pdf(docx: bytes, timeout: int = 120) -> bytes:
    exe = libreoffice()
    if exe is None:
        raise PdfUnavailable("本机未安装 LibreOffice，无法生成 PDF；请下载 Word 版本，或安装 libreoffice-writer")
    with tempfile.TemporaryDirectory(prefix="gaoxin_pdf_") as tmp:
        tmp = Path(tmp)
        src = tmp / "report.docx"
        src.write_bytes(docx)
        fc = tmp / "fonts.conf"
        fc.write_text(fontconfig_xml(), encoding="utf-8")
        profile = tmp / f"lo_{uuid.uuid4().hex}"  # concurrent conversions must not share a profile
        env = {**os.environ, "FONTCONFIG_FILE": str(fc), "HOME": str(tmp)}
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(tmp), str(src)]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice 转换超时（{timeout} 秒）")
        out = tmp / "report.pdf"
        if proc.returncode != 0 or not out.exists():
            msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise PdfUnavailable(f"LibreOffice 转换 PDF 失败：{msg[0]}")
        return out.read_bytes()
