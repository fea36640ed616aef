# ruff: noqa: E501  (HTML templates: page markup reads better unwrapped)
"""Build the synthetic benchmark pages from the hand-written ground truth.

Each page wraps one article from ``truth/`` in the chrome of a common news CMS
(navigation, ads, related links, comments, footers, inline scripts), mirroring
how those systems mark up a story. The pages are reconstructions written for this
benchmark, not saved copies of real sites. Run: ``python make_pages.py``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRUTH = HERE / "truth"
PAGES = HERE / "pages"


def paragraphs(name: str) -> list[str]:
    text = (TRUTH / f"{name}.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def is_subhead(p: str) -> bool:
    return len(p) < 70 and not p.endswith((".", "。", "”", '"'))


def esc(text: str) -> str:
    return html.escape(text, quote=True)


NAV = """<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/batteries">Batteries</a></li>
<li><a href="/ev">Electric vehicles</a></li><li><a href="/materials">Materials</a></li>
<li><a href="/policy">Policy</a></li><li><a href="/about">About us</a></li></ul></nav>"""

RELATED = [
    "BYD overtakes rivals in plug-in hybrid sales for the ninth month running",
    "Solid-state pilot line in Hefei begins sample deliveries to carmakers",
    "Recycling start-up raises funds to expand black mass refining in Sweden",
    "Cobalt prices slide as Congo output hits record",
]


def related_list(cls: str) -> str:
    items = "".join(f'<li><a href="/news/{i}">{esc(t)}</a></li>' for i, t in enumerate(RELATED))
    return f'<div class="{cls}"><h3>Related stories</h3><ul>{items}</ul></div>'


def wordpress(name: str, title: str) -> str:
    body = []
    for i, p in enumerate(paragraphs(name)):
        body.append(f"<p>{esc(p)}</p>")
        if i == 2:
            body.append('<p><strong>Related:</strong> <a href="/2024/03/catl-q4">CATL posts '
                        "record fourth-quarter profit</a></p>")
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://cnevpost.example/#website", "name": "CnEVPost"},
        {"@type": "NewsArticle", "headline": title, "datePublished": "2024-04-02T09:15:00+08:00",
         "author": {"@type": "Person", "name": "Lei Xing"},
         "publisher": {"@type": "Organization", "name": "CnEVPost"},
         "articleSection": ["Batteries"], "keywords": "CATL,LRS,licensing"},
    ]}
    comments = "".join(
        f'<li class="comment"><div class="comment-author">reader{i}</div><div class="comment-content">'
        f"<p>{esc(c)}</p></div></li>"
        for i, c in enumerate([
            "Licensing is the smart play here, the factories will be built anyway.",
            "I doubt Washington will let this through without a fight over the tax credits.",
        ])
    )
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>{esc(title)} - CnEVPost</title>
<meta property="og:site_name" content="CnEVPost"><meta property="og:title" content="{esc(title)}">
<link rel="canonical" href="https://cnevpost.example/2024/04/02/catl-lrs-talks/">
<script type="application/ld+json">{json.dumps(graph)}</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}</script>
<style>.entry-content p{{margin:0 0 1em}}</style></head>
<body class="post-template-default single single-post">
<header id="masthead" class="site-header"><div class="site-branding"><a href="/">CnEVPost</a></div>{NAV}</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-1" class="post type-post status-publish"><header class="entry-header">
<h1 class="entry-title">{esc(title)}</h1><div class="entry-meta">By <a href="/author/lei">Lei Xing</a>
<time class="entry-date published" datetime="2024-04-02T09:15:00+08:00">April 2, 2024</time></div></header>
<div class="entry-content">{"".join(body)}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts">{related_list("jp-relatedposts-items")}</div></div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/cat/batteries">Batteries</a></span></footer></article>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on this story</h2><ol class="comment-list">{comments}</ol></div>
</main></div><aside id="secondary" class="widget-area"><section class="widget widget_text"><div class="textwidget">
<p>CnEVPost covers China's electric vehicle industry with daily news on deliveries, batteries and charging, written by a small independent team.</p></div></section>
<section class="widget widget_recent_entries">{related_list("recent")}</section></aside></div>
<footer id="colophon" class="site-footer"><p>© 2024 CnEVPost. All rights reserved.</p></footer></body></html>"""


def arc(name: str, title: str) -> str:
    parts = []
    for i, p in enumerate(paragraphs(name)):
        if is_subhead(p):
            parts.append(f'<h2 class="subheadline">{esc(p)}</h2>')
        else:
            parts.append(f'<p class="font--body font-copy gray-darkest" data-el="text">{esc(p)}</p>')
        if i in (1, 5):
            parts.append('<div class="ad-container ad-mid" data-ad-slot="mid"><span>ADVERTISEMENT'
                         "</span></div>")
        if i == 3:
            parts.append('<div class="newsletter-inline"><p>Sign up for the Energy 202 newsletter '
                         "to get the latest on batteries and power in your inbox every morning."
                         "</p><form><input type=email><button>Sign up</button></form></div>")
    fusion = json.dumps({"headlines": {"basic": title}, "content_elements": paragraphs(name)[:2]})
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} - The Daily Ledger</title>
<meta property="og:title" content="{esc(title)}"><meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2024-03-14T12:00:00Z"><meta name="author" content="Dana Whitfield">
<script id="fusion-metadata" type="application/javascript">window.Fusion={fusion};</script></head>
<body><div id="fusion-app"><header class="site-header">{NAV}<div class="ad-container ad-top"><span>ADVERTISEMENT</span></div></header>
<main><article class="article-layout"><h1 class="headline" data-qa="headline">{esc(title)}</h1>
<div class="byline"><span>By Dana Whitfield</span> <time datetime="2024-03-14T12:00:00Z">March 14, 2024 at 8:00 a.m. EDT</time></div>
<div class="article-body">{"".join(parts)}</div>
<div class="author-bio"><p>Dana Whitfield covers energy and the auto industry from Detroit. She previously reported on commodities for a decade.</p></div></article>
<aside class="right-rail"><div class="most-read"><h2>Most Read</h2><ol>{"".join(f'<li><a href="#">{esc(t)}</a></li>' for t in RELATED)}</ol></div></aside></main>
<footer class="site-footer"><p>© 1996-2024 The Daily Ledger. Terms of Use. Privacy Policy.</p></footer></div>
<script>Fusion.deployment="1234";</script></body></html>"""


def drupal(name: str, title: str) -> str:
    ps = "".join(f"<p>{esc(p)}</p>" for p in paragraphs(name))
    teasers = "".join(
        f'<div class="views-row"><h3><a href="/node/{i}">{esc(t)}</a></h3><div class="field--name-body">'
        f"<p>{esc(t)}. Analysts expect the trend to continue into next quarter.</p></div></div>"
        for i, t in enumerate(RELATED[:3])
    )
    return f"""<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">
<title>{esc(title)} | Global Times Example</title><meta name="dcterms.date" content="2023-06-01">
<meta property="og:site_name" content="Global Times Example"><link rel="canonical" href="https://gt.example/page/202306/1291650.shtml"></head>
<body class="path-node page-node-type-article"><a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas"><header role="banner">{NAV}</header>
<div class="region region-breadcrumb"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/business">Business</a></li></ol></nav></div>
<main role="main"><div class="region region-content"><article role="article" class="node node--type-article node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title">{esc(title)}</span></h1>
<div class="node__meta">Published: Jun 01, 2023 07:42 PM</div>
<figure class="field--name-field-image"><img src="/img/musk.jpg" alt=""><figcaption>Tesla CEO Elon Musk and Zeng Yuqun, chairman of Chinese electric battery giant CATL, walk side by side in the lobby of a hotel. Photo: screenshot from social media platform</figcaption></figure>
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">{ps}
<p class="image-credit"><em>(Picture: Veer)</em></p></div></article></div>
<div class="region region-sidebar-second"><div class="views-element-container block-views"><h2>Latest news</h2>{teasers}</div></div></main>
<footer role="contentinfo"><div class="region-footer"><p>Copyright © 2023 Global Times Example. All rights reserved.</p></div></footer></div></body></html>"""


def comments_blog(name: str, title: str) -> str:
    body = "".join(
        f"<h3>{esc(p)}</h3>" if is_subhead(p) else f"<p>{esc(p)}</p>" for p in paragraphs(name)
    )
    comments = [
        "Great overview. I work on stationary storage and the cold weather numbers are what got our attention, we have sites in northern Finland where LFP needs heating most of the winter and that eats into the round trip efficiency quite badly.",
        "Energy density will keep improving, remember where LFP was ten years ago. People wrote it off as a dead end for cars and now it is the default chemistry for standard range models almost everywhere.",
        "The hard carbon supply chain is the part nobody talks about. Most of it still comes from a couple of suppliers using coconut shells or petroleum pitch, and scaling that is not trivial at all.",
        "I would love to see a follow up on Prussian white cathodes, the water content issue seemed like a showstopper a few years ago and I am not sure it has really been solved in volume production.",
        "Cost is the whole story. If lithium stays this cheap sodium will stay a niche for scooters and a few city cars, regardless of what the press releases say about gigawatt hours of capacity.",
        "Two-wheelers in India and Southeast Asia could be a huge market for this, the price sensitivity there is enormous and the range requirements are modest, so the chemistry matches the use case nicely.",
    ]
    cm = "".join(
        f'<div class="comment" id="c{i}"><div class="comment-meta"><b>user{i}</b> · 3 days ago</div>'
        f'<div class="comment-body"><p>{esc(c)}</p></div><a class="reply" href="#">Reply</a></div>'
        for i, c in enumerate(comments)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="author" content="Priya Raman"><meta name="date" content="2024-09-10">
<meta name="description" content="Where sodium-ion cells fit in the battery market."></head>
<body><div class="topbar"><a href="/">Cell Notes</a> <a href="/archive">Archive</a> <a href="/subscribe">Subscribe</a></div>
<div class="container"><div class="post"><h1 class="post-title">{esc(title)}</h1><div class="post-meta">Priya Raman · September 10, 2024</div>
<div class="post-body">{body}</div></div>
<div id="comments"><h2>{len(comments)} comments</h2>{cm}</div></div>
<div class="footer">Cell Notes is a newsletter about batteries. Powered by a static site generator.</div></body></html>"""


def wire(name: str, title: str) -> str:
    divs = "".join(
        f'<div data-testid="paragraph-{i}" class="text__text__1FZLe text__dark-grey__3Ml43 '
        f'text__regular__2N1Xr body__base__22dCE article-body__paragraph__2-BtD">{esc(p)}</div>'
        for i, p in enumerate(paragraphs(name))
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | Wire Example</title>
<meta property="og:title" content="{esc(title)}"><meta property="og:site_name" content="Wire Example">
<meta name="article:published_time" content="2024-05-17T08:41:00Z"><meta name="article:author" content="https://wire.example/authors/chen">
<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": "2024-05-17T08:41:00Z", "author": [{"@type": "Person", "name": "Amy Lv"}, {"@type": "Person", "name": "Tom Daly"}]})}</script></head>
<body><div id="root"><header class="site-header__header__2ASua">{NAV}</header>
<main class="regular-article-layout__main__1tvz6"><article><div class="article-header__heading__15OpQ"><h1 data-testid="Heading">{esc(title)}</h1></div>
<div class="info-content__author-date__1Epi_"><a href="/authors/amy">Amy Lv</a> and <a href="/authors/tom">Tom Daly</a> <time datetime="2024-05-17T08:41:00Z">May 17, 2024 8:41 AM UTC</time></div>
<div class="article-body__content__17Yit paywall-article">{divs}
<p class="sign-off-text__signoff__3iwfl">Reporting by Amy Lv and Tom Daly; Editing by Louise Heavens</p></div>
<div class="article-body__element__2p5pI"><a href="/trust">Our Standards: The Trust Principles.</a></div>
</article><div class="related-coverage">{related_list("media-story-card__list")}</div></main>
<footer><p>All quotes delayed a minimum of 15 minutes.</p></footer></div></body></html>"""


def ghost(name: str, title: str) -> str:
    body = "".join(
        f'<h2 id="s{i}">{esc(p)}</h2>' if is_subhead(p) else f"<p>{esc(p)}</p>"
        for i, p in enumerate(paragraphs(name))
    )
    cards = "".join(
        f'<article class="post-card"><a class="post-card-content-link" href="#"><h3 class="post-card-title">{esc(t)}</h3>'
        f'<div class="post-card-excerpt"><p>{esc(t)}: what it means for buyers and what comes next.</p></div></a></article>'
        for t in RELATED[:3]
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta property="og:site_name" content="Anode Weekly"><meta property="article:published_time" content="2024-02-20T06:00:00.000Z">
<meta property="article:tag" content="graphite"><meta property="article:tag" content="policy"></head>
<body class="post-template"><div class="viewport"><header id="gh-head" class="gh-head">{NAV}</header>
<main id="site-main" class="site-main"><article class="article post tag-graphite"><header class="article-header gh-canvas">
<h1 class="article-title">{esc(title)}</h1><p class="article-excerpt">Licensing slowed shipments but did not stop them.</p></header>
<section class="gh-content gh-canvas">{body}
<div class="kg-card kg-cta-card"><p>Enjoying Anode Weekly? Subscribe to get every issue by email.</p></div></section>
<section class="article-comments gh-canvas"></section></article></main>
<aside class="read-more-wrap"><div class="read-more inner"><h2>Read next</h2>{cards}</div></aside>
<footer class="site-footer outer"><div class="inner"><section class="copyright">Anode Weekly © 2024</section>
<div class="gh-powered-by">Powered by Ghost</div></div></footer></div></body></html>"""


def legacy_table(name: str, title: str) -> str:
    text = "<br><br>\n".join(esc(p).replace("–", "&#8211;") for p in paragraphs(name))
    nav = "<br>".join(f'<a href="/{w.lower()}.html"><font size="1">{w}</font></a>'
                      for w in ("Home", "Metals", "Recycling", "Prices", "Contact"))
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Metal Bulletin Example :: {esc(title)}</title></head>
<body bgcolor="#ffffff"><table width="760" border="0" cellpadding="0" cellspacing="0">
<tr><td colspan="2"><a href="/ads/click?id=9"><img src="/banner.gif" width="728" height="90" alt="Advertisement"></a></td></tr>
<tr><td width="140" valign="top" bgcolor="#eeeeee">{nav}</td>
<td width="620" valign="top"><font face="Verdana" size="4"><b>{esc(title)}</b></font><br>
<font size="1" color="#666666">Posted 12/06/2024</font><br><br>
<font face="Verdana" size="2">{text}</font><br><br>
<font size="1"><a href="/print.html">Print this article</a> | <a href="/mail.html">E-mail to a friend</a></font></td></tr>
<tr><td colspan="2" align="center"><font size="1">Copyright &copy; 2024 Metal Bulletin Example Ltd. All rights reserved.</font></td></tr>
</table></body></html>"""


def amp(name: str, title: str) -> str:
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs(name))
    return f"""<!doctype html><html ⚡ lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<link rel="canonical" href="https://mining.example/news/indonesia-nickel-output">
<script async src="https://cdn.ampproject.example/v0.js"></script>
<style amp-custom>body{{font-family:serif}}.article-text p{{margin:1em 0}}</style>
<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@type": "Article", "headline": title, "datePublished": "2024-01-30", "publisher": {"@type": "Organization", "name": "Mining Example"}})}</script></head>
<body><amp-sidebar id="sidebar" layout="nodisplay">{NAV}</amp-sidebar>
<header class="amp-header"><button on="tap:sidebar.toggle">Menu</button><a href="/">Mining Example</a></header>
<amp-ad width="320" height="50" type="doubleclick" data-slot="/1/top"></amp-ad>
<article><h1>{esc(title)}</h1><div class="article-meta">January 30, 2024</div>
<amp-img src="/img/smelter.jpg" width="800" height="450" layout="responsive" alt="A smelter"></amp-img>
<div class="article-text">{body}</div></article>
<div class="amp-related">{related_list("related-links")}</div>
<footer><p>Mining Example is published by Example Media. Sign up for our free daily newsletter.</p></footer></body></html>"""


def chinese(name: str, title: str, *, charset: str) -> str:
    body = "".join(f"<p>　　{esc(p)}</p>" for p in paragraphs(name))
    links = "".join(f'<li><a href="/n/{i}.shtml">{t}</a></li>' for i, t in enumerate(
        ["动力电池装车量创新高", "储能项目招标价格继续下行", "新能源汽车出口保持增长", "固态电池研发取得进展"]))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{esc(title)}_财经频道_新闻网示例</title><meta name="keywords" content="电池,锂,钠离子" />
<meta name="publishdate" content="2024-03-28" /><meta name="source" content="新闻网示例" /></head>
<body><div id="top_nav"><a href="/">首页</a> | <a href="/finance/">财经</a> | <a href="/auto/">汽车</a> | <a href="/tech/">科技</a></div>
<div class="ad_banner"><a href="/ad"><img src="/ad.gif" alt="广告" /></a></div>
<div id="main"><div class="left"><h1>{esc(title)}</h1><div class="info">2024年03月28日 08:30　来源：新闻网示例</div>
<div class="left_zw" id="artibody">{body}<div class="adEditor">责任编辑：张三</div></div>
<div class="xgxw"><h3>相关新闻</h3><ul>{links}</ul></div></div>
<div class="right"><div class="hot"><h3>热点排行</h3><ul>{links}</ul></div></div></div>
<div id="footer">关于我们 | 联系方式 | 版权所有 新闻网示例</div><script>var _hmt = _hmt || [];</script></body></html>"""


PAGES_SPEC: dict[str, tuple[str, Callable[[str, str], str], str]] = {
    "cnevpost_wordpress": ("CATL in talks with about 12 carmakers on licensing model", wordpress, "utf-8"),
    "arc_battery_licensing": ("CATL eyes US expansion through licensing talks with Tesla and others", arc, "utf-8"),
    "drupal_musk_miit": ("Musk meets China's industry minister after reported talks with CATL chairman", drupal, "utf-8"),
    "comments_heavy_blog": ("Sodium-ion cells leave the lab: where the chemistry fits", comments_blog, "utf-8"),
    "wire_lithium_prices": ("China lithium prices extend gains as Jiangxi mines halt", wire, "utf-8"),
    "ghost_graphite_controls": ("Three months of graphite export licences", ghost, "utf-8"),
    "legacy_table_black_mass": ("Europe’s recyclers scramble for black mass", legacy_table, "cp1252"),
    "amp_nickel_indonesia": ("Indonesia tightens its grip on battery nickel", amp, "utf-8"),
    "gbk_catl_sodium": ("宁德时代第二代钠离子电池明年量产", lambda n, t: chinese(n, t, charset="gb2312"), "gbk"),
    "utf8_declared_gb2312_lithium": ("碳酸锂价格连续三周上涨", lambda n, t: chinese(n, t, charset="gb2312"), "utf-8"),
}


def main() -> None:
    PAGES.mkdir(exist_ok=True)
    for name, (title, build, encoding) in PAGES_SPEC.items():
        (PAGES / f"{name}.html").write_bytes(build(name, title).encode(encoding))
        print(f"wrote pages/{name}.html ({encoding})")


if __name__ == "__main__":
    main()
