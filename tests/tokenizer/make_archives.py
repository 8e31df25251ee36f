#!/usr/bin/env python3
"""TorchScript archives (and broken or unusual zips) for attnviz's archive reader and
`attnviz tokenize MODEL.pt`, made at test time with python3-torch.

    make_archives.py OUTDIR                         the fixtures below
    make_archives.py --embed TOKENIZER.json OUT.pt  a tiny model carrying that tokenizer.json

Fixtures (OUTDIR):
    tokenizer.json        a small BPE tokenizer ("a", "b", "ab", BOS "<s>")
    with_tokenizer.pt     torch.jit.save(..., _extra_files={tokenizer.json, attnviz.json})
    without_tokenizer.pt  torch.jit.save without extra files
    zip64.pt              the same entries written as zip64 (64-bit sizes, offsets and end record)
    beyond_4gb.zip        a sparse 4.5 GB file whose zip starts after 4 GB (skipped when the
                          file system would store the hole)
    compressed.zip        the extra file deflated, which TorchScript never does
    crc_broken.pt         with_tokenizer.pt with one byte of tokenizer.json changed
    truncated.pt          the first half of with_tokenizer.pt
    not_a_zip.pt          text
"""
import json
import os
import sys
import zipfile

sys.dont_write_bytecode = True

TOKENIZER = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": 0, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True}],
    "normalizer": None, "pre_tokenizer": None,
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                       "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
                       "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}},
    "decoder": None,
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "vocab": {"<s>": 0, "a": 1, "b": 2, "ab": 3},
              "merges": ["a b"]},
}


def save_model(path, extra_files):
    import torch

    class Tiny(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + 1

    torch.jit.save(torch.jit.script(Tiny()), path, _extra_files=extra_files)


def write_zip(path, entries, compression=zipfile.ZIP_STORED, mode="w"):
    with zipfile.ZipFile(path, mode, compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)


def sparse_zip_beyond_4gb(path, entries):
    size = 4_500_000_000
    with open(path, "wb") as f:
        f.truncate(size)
    if os.stat(path).st_blocks * 512 > 1 << 20:  # the hole took real space: do not keep it
        os.remove(path)
        return
    write_zip(path, entries, mode="a")  # appended after the hole: offsets beyond 4 GB, so zip64


def main(argv):
    if len(argv) == 4 and argv[1] == "--embed":
        with open(argv[2], "rb") as f:
            save_model(argv[3], {"tokenizer.json": f.read()})
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    tokenizer = json.dumps(TOKENIZER).encode()
    with open(os.path.join(out, "tokenizer.json"), "wb") as f:
        f.write(tokenizer)
    extra = {"tokenizer.json": tokenizer, "attnviz.json": b'{"name": "tiny"}'}
    save_model(os.path.join(out, "with_tokenizer.pt"), extra)
    save_model(os.path.join(out, "without_tokenizer.pt"), {})

    entries = {"zip64/data.pkl": b"\x80\x02}q\x00.", "zip64/extra/tokenizer.json": tokenizer}
    limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 16  # every size and offset above 16 bytes goes to the zip64 fields
    try:
        write_zip(os.path.join(out, "zip64.pt"), entries)
    finally:
        zipfile.ZIP64_LIMIT = limit
    sparse_zip_beyond_4gb(os.path.join(out, "beyond_4gb.zip"), {"big/extra/tokenizer.json": tokenizer})
    write_zip(os.path.join(out, "compressed.zip"), {"c/extra/tokenizer.json": tokenizer}, zipfile.ZIP_DEFLATED)

    with open(os.path.join(out, "with_tokenizer.pt"), "rb") as f:
        archive = f.read()
    at = archive.index(tokenizer)
    broken = archive[:at] + bytes([archive[at] ^ 1]) + archive[at + 1:]
    with open(os.path.join(out, "crc_broken.pt"), "wb") as f:
        f.write(broken)
    with open(os.path.join(out, "truncated.pt"), "wb") as f:
        f.write(archive[: len(archive) // 2])
    with open(os.path.join(out, "not_a_zip.pt"), "w") as f:
        f.write("not a zip archive\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
