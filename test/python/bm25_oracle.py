"""Qdrant's own BM25 embedder (qdrant-edge-py) over real sentences, for test/unit/api/bm25-parity.test.ts.

Reads a job from stdin: {"cases": [{"source": <language>, "limit": n, "options": {<REST Document options>}}]}.
For each case it gathers up to `limit` real sentences of the source language from the machine's GNU message
catalogs (/usr/share/locale/<code>/LC_MESSAGES/*.mo: English from the msgids, other languages from their
translations), embeds each with qdrant_edge.Bm25 as a document and as a query, and prints
{"cases": [{"texts": [...], "docs": [{indices, values}], "queries": [...]}]} as JSON.
Sentences are picked deterministically (sorted catalogs, sorted messages), so a run is reproducible on one machine.
"""

import gettext
import glob
import json
import re
import sys

import qdrant_edge as q

LOCALE_DIR = "/usr/share/locale"
# GNU catalog codes per source language; the first codes with catalogs are used
CODES = {
    "english": ["de"],
    "german": ["de"],
    "french": ["fr"],
    "spanish": ["es"],
    "italian": ["it"],
    "portuguese": ["pt", "pt_BR"],
    "dutch": ["nl"],
    "russian": ["ru"],
    "swedish": ["sv"],
    "danish": ["da"],
    "finnish": ["fi"],
    "hungarian": ["hu"],
    "romanian": ["ro"],
    "turkish": ["tr"],
    "norwegian": ["nb"],
    "arabic": ["ar"],
}
# message catalogs of prose (help texts and messages), biggest first
CATALOGS = ["coreutils", "bash", "git", "gas", "binutils", "bfd", "diffutils", "apt", "gtk30-properties"]


def sentences(source, limit):
    codes = CODES[source]
    seen = set()
    out = []
    for code in codes:
        for cat in CATALOGS:
            for path in sorted(glob.glob(f"{LOCALE_DIR}/{code}/LC_MESSAGES/{cat}.mo")):
                with open(path, "rb") as f:
                    catalog = gettext.GNUTranslations(f)._catalog
                pairs = sorted((str(k), str(v)) for k, v in catalog.items() if isinstance(k, str) and k)
                for msgid, msgstr in pairs:
                    text = msgid if source == "english" else msgstr
                    for part in re.split(r"(?<=[.!?])\s+|\n+", text):
                        part = part.strip()
                        letters = sum(ch.isalpha() for ch in part)
                        if letters < 20 or len(part) > 400 or part in seen:
                            continue
                        seen.add(part)
                        out.append(part)
                        if len(out) >= limit:
                            return out
    return out


def tokenizer(name):
    return {
        "word": q.TokenizerType.Word,
        "whitespace": q.TokenizerType.Whitespace,
        "prefix": q.TokenizerType.Prefix,
        "multilingual": q.TokenizerType.Multilingual,
    }[name]


def language(name):
    return getattr(q.Language, name.capitalize())


def stopwords(v):
    if isinstance(v, str):
        return language(v)
    return q.StopwordsSet(
        languages={language(x) for x in v.get("languages") or []} or None,
        custom=set(v["custom"]) if v.get("custom") is not None else None,
    )


def stemmer(v):
    if v["type"] == "none":
        return q.DisabledStemmer()
    return q.SnowballParams(language=getattr(q.SnowballLanguage, v["language"].capitalize()))


def config(options):
    kw = {}
    for key in ("k", "b", "avg_len", "language", "lowercase", "ascii_folding", "min_token_len", "max_token_len"):
        if key in options:
            kw[key] = options[key]
    if "tokenizer" in options:
        kw["tokenizer"] = tokenizer(options["tokenizer"])
    if "stopwords" in options:
        kw["stopwords"] = stopwords(options["stopwords"])
    if "stemmer" in options:
        kw["stemmer"] = stemmer(options["stemmer"])
    return q.Bm25Config(**kw)


def sparse(v):
    return {"indices": list(v.indices), "values": list(v.values)}


def main():
    job = json.load(sys.stdin)
    results = []
    for case in job["cases"]:
        texts = case.get("texts") or sentences(case["source"], case["limit"])
        model = q.Bm25(config(case.get("options", {})))
        results.append(
            {
                "texts": texts,
                "docs": [sparse(model.embed_document(t)) for t in texts],
                "queries": [sparse(model.embed_query(t)) for t in texts],
            }
        )
    json.dump({"cases": results}, sys.stdout)


if __name__ == "__main__":
    main()
