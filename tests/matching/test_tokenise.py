from gaoxin.matching.tokenise import domain_terms, stop_words, taxonomy_terms, tokenize


def test_domain_compounds_kept_whole_with_subwords():
    toks = tokenize("高镍三元正极材料与车路云一体化")
    assert "高镍三元" in toks and "车路云一体化" in toks
    assert "正极材料" in toks and "正极" in toks  # search mode also emits sub-words


def test_stop_words_and_single_characters_removed():
    toks = tokenize("我公司需要的是一种基于机器视觉的方法")
    assert "机器视觉" in toks
    for w in ("我公司", "需要", "一种", "基于", "的", "是", "方法"):
        assert w not in toks
    assert all(len(t) >= 2 for t in toks)


def test_ascii_tokens_lower_cased():
    toks = tokenize("IGBT模块与5G专网")
    assert "igbt" in toks and "5g" in toks


def test_taxonomy_keywords_feed_the_dictionary():
    terms = taxonomy_terms()
    if not terms:  # reference taxonomy absent: dictionary falls back to the curated list
        assert "高镍三元" in domain_terms()
        return
    assert set(terms) <= set(domain_terms())
    # a taxonomy keyword must survive tokenising as one token
    sample = next(t for t in terms if len(t) >= 4 and t not in stop_words())
    assert sample in tokenize(f"关于{sample}的研究")


def test_jieba_cache_goes_to_gaoxin_home():
    from pathlib import Path
    from gaoxin.matching.tokenise import _jieba
    _jieba.cache_clear()  # the tokeniser is per process: another test may have made it under another home
    tk = _jieba()
    d = Path(tk.tmp_dir)
    assert d.name == "cache" and d.parent.name == "home"  # $GAOXIN_HOME/cache, not /tmp
    assert any(p.name.startswith("jieba") for p in d.iterdir())


def test_empty_text():
    assert tokenize("") == [] and tokenize(None) == []
