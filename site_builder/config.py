"""site.yaml: site settings and the verdict scale.

The scale is checked for the mistake a real newsroom once published: ratings
that fall as claims get truer. On the ClaimReview scale a higher number always
means truer, so going down the list (best to worst) the numbers must fall.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from .fields import SLUG_RE, Fields, beyond_domain, is_web_url, slugify
from .load import Document
from .model import Publisher, SiteConfig, Verdict
from .problems import Problems
from .schema import POLICIES, PUBLISHER, SITE, VERDICT

BUILTIN_VERDICTS: list[dict[str, Any]] = [
    {"key": "true", "label": "True", "rating": 6, "color": "#1a7f37",
     "description": "The claim is accurate and nothing significant is missing."},
    {"key": "mostly-true", "label": "Mostly true", "rating": 5, "color": "#2f6f2a",
     "description": "The claim is accurate but needs clarification or extra context."},
    {"key": "half-true", "label": "Half true", "rating": 4, "color": "#8a5a00",
     "description": "The claim is partly accurate but leaves out important details "
                    "or takes things out of context."},
    {"key": "misleading", "label": "Misleading", "rating": 3, "color": "#a34a00",
     "description": "The claim contains accurate elements but is presented in a way "
                    "that leaves a false impression."},
    {"key": "mostly-false", "label": "Mostly false", "rating": 2, "color": "#b4341a",
     "description": "The claim contains an element of truth but ignores facts that "
                    "would give a different impression."},
    {"key": "false", "label": "False", "rating": 1, "color": "#b3261e",
     "description": "The claim is not accurate."},
    {"key": "unproven", "label": "Unproven", "rating": None, "color": "#56606b",
     "description": "The evidence available does not allow us to confirm or refute "
                    "the claim. This is not a rating on the numeric scale."},
]


def default_verdicts() -> list[Verdict]:
    return [Verdict(position=i, **v) for i, v in enumerate(BUILTIN_VERDICTS)]


def read_site(doc: Document | None, problems: Problems) -> tuple[SiteConfig, list[Verdict]]:
    """Validate site.yaml; always returns a usable config (with defaults)."""
    fallback = SiteConfig("Fact checks", "https://example.org",
                          Publisher("Fact checks", "https://example.org/"))
    if doc is None or not doc.parsed.ok:
        return fallback, default_verdicts()
    f = Fields(doc.parsed, doc.path, problems, SITE)
    data = doc.parsed.data
    f.unknown_keys(data, SITE)
    base_url = f.url("base_url") if "base_url" in data else (f.missing("base_url") or "")
    _served_at_root(f, base_url)
    policies = _policies(f, data)
    config = SiteConfig(
        title=f.text("title", required=True) or fallback.title,
        base_url=(base_url or fallback.base_url).rstrip("/"),
        publisher=_publisher(f, data, (base_url or fallback.base_url).rstrip("/"))
        or fallback.publisher,
        description=f.text("description"),
        language=_language(f),
        policies=policies,
        policy_lines={name: f.line(f"policies.{name}") for name in policies},
        allow_html=f.boolean("allow_html"),
        page_size=_page_size(f),
        claim_cards=f.boolean("claim_cards"),
        path=doc.path,
    )
    return config, _verdicts(f, data)


#: a BCP 47 tag as browsers and feed readers take it: "en", "pt-BR", "zh-Hant-TW"
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
#: what editors write instead of a tag
_LANGUAGE_NAMES = {"english": "en", "french": "fr", "francais": "fr", "français": "fr",
                   "german": "de", "deutsch": "de", "spanish": "es", "español": "es",
                   "espanol": "es", "portuguese": "pt", "português": "pt", "italian": "it",
                   "russian": "ru", "ukrainian": "uk", "korean": "ko", "japanese": "ja",
                   "chinese": "zh", "arabic": "ar", "dutch": "nl", "polish": "pl"}


def _language(f: Fields) -> str:
    """The language tag (``<html lang>``, the feeds, ClaimReview's inLanguage)."""
    value = f.text("language") or "en"
    if not _LANGUAGE_TAG.match(value):
        code = _LANGUAGE_NAMES.get(value.strip().lower())
        f.warning("language", f"'{value}' is not a language code", (
            f"write language: {code}" if code else "write a BCP 47 code such as en, fr, "
            "pt-BR") + ": browsers, screen readers and search engines read the code")
    return value


def _served_at_root(f: Fields, base_url: str) -> None:
    """The site's own links start at / (the contract's URLs): it cannot live in a sub-folder."""
    if beyond_domain(base_url):  # refused, as --base-url is: every absolute link would break
        parts = urlsplit(base_url)
        f.error("base_url", f"'base_url' has more than a domain: '{base_url}'",
                "the site's pages link to each other from the root of the domain "
                "(/claims/...), and canonical links, feeds and the sitemap add their paths "
                "to this address; serve the site at the root of a domain or sub-domain and "
                f"write base_url: {parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}")


def with_base_url(config: SiteConfig, base_url: str) -> None:
    """``--base-url`` in place of site.yaml's. The publisher's address moves with
    it when it is on this site: site.yaml then names the site's home (or the
    placeholder domain the deploy replaces), not another organisation's."""
    old, config.base_url = config.base_url, base_url.rstrip("/")
    url = config.publisher.url
    if url == old or url.startswith(old + "/"):
        config.publisher = replace(config.publisher, url=config.base_url + url[len(old):])


def _publisher(f: Fields, data: dict[str, Any], base_url: str) -> Publisher | None:
    """``url`` may be a path on this site (``/``, ``/about/``): made absolute here."""
    value = data.get("publisher")
    if value is None:
        f.missing("publisher")
        return None
    if isinstance(value, str):
        f.error("publisher", "'publisher' needs a name and a url",
                f"write:\npublisher:\n  name: \"{value}\"\n  url: \"https://example.org/\"")
        return None
    if not isinstance(value, dict):
        f.error("publisher", "'publisher' must be a group with name and url")
        return None
    f.unknown_keys(value, PUBLISHER, "publisher.")
    name = f.text("publisher.name", required=True, data=value)
    path = value.get("url")
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//") \
            and is_web_url(base_url + path):
        url = base_url + path
    else:
        url = f.url("publisher.url", data=value)
    if not url and "url" not in value:
        f.missing("publisher.url")
    logo = f.text("publisher.logo", data=value)
    if logo and not is_web_url(logo) and (":" in logo.split("/")[0] or logo.startswith("//")
                                          or any(c in logo for c in ' "\'<>\\')):
        f.error("publisher.logo", f"'publisher.logo' must be a web address or a path on this "
                f"site, not '{logo}'", "write logo: /static/logo.png (a file of your theme's "
                "static folder) or logo: https://example.org/logo.png")
        logo = ""
    return Publisher(name, url, logo, f.line("publisher.logo")) if name and url else None


def _policies(f: Fields, data: dict[str, Any]) -> dict[str, str]:
    value = data.get("policies")
    if value is None:
        return {}
    if not isinstance(value, dict):
        f.error("policies", "'policies' must map a policy to a page slug",
                "for example:\npolicies:\n  about: about\n  corrections: corrections-policy")
        return {}
    f.unknown_keys(value, POLICIES, "policies.")
    result = {}
    for name in value:
        slug = f.text(f"policies.{name}", data=value)
        if slug and f.slug(f"policies.{name}", slug, "page"):
            result[str(name)] = slug
    return result


def _page_size(f: Fields) -> int:
    value = f.get("page_size")
    if value is None:
        return 50
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    f.error("page_size", "'page_size' must be a whole number above 0", "for example: page_size: 50")
    return 50


def _verdicts(f: Fields, data: dict[str, Any]) -> list[Verdict]:
    value = data.get("verdicts")
    if value is None:
        return default_verdicts()
    if not isinstance(value, list) or not value:
        f.error("verdicts", "'verdicts' must be a list of verdicts, best to worst",
                f"for example:\nverdicts:{SITE['verdicts'].example}")
        return default_verdicts()
    verdicts: list[Verdict] = []
    for i, item in enumerate(value):
        path = f"verdicts[{i}]"
        if not isinstance(item, dict):
            f.error(path, "each verdict must be a group with key, label and description")
            continue
        f.unknown_keys(item, VERDICT, f"{path}.")
        key = f.text(f"{path}.key", required=True, data=item)
        if key and not SLUG_RE.match(key):
            f.error(f"{path}.key", f"verdict key '{key}' is not a slug",
                    f"use lowercase letters, digits and hyphens: '{slugify(key)}'")
        if any(v.key == key for v in verdicts):
            f.error(f"{path}.key", f"verdict key '{key}' is listed twice", "keep one")
            continue
        label = f.text(f"{path}.label", required=True, data=item) or key
        twin = next((v for v in verdicts if v.label.casefold() == label.casefold()), None)
        if twin is not None:
            f.warning(f"{path}.label", f"the label '{label}' is also the label of verdict "
                      f"'{twin.key}': readers cannot tell the two ratings apart",
                      "give each verdict its own label")
        verdicts.append(Verdict(
            key=key, label=label,
            description=f.text(f"{path}.description", data=item),
            rating=_rating(f, f"{path}.rating", item.get("rating")),
            color=_color(f, f"{path}.color", item.get("color")), position=i))
    _check_direction(f, verdicts)
    return verdicts or default_verdicts()


def _rating(f: Fields, path: str, value: Any) -> int | None:
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        f.error(path, f"rating must be a positive number, not '{value}'",
                "leave it out (or 0) for a verdict that is not on the numeric scale")
        return None
    if not math.isfinite(value):  # .nan, .inf, 1e400: JSON has no such number
        f.error(path, f"rating must be a number such as 1 to 5, not '{value}'",
                "ClaimReview readers cannot read it; give the verdict's place on the "
                "scale, 1 for the worst")
        return None
    return int(value) if float(value).is_integer() else value  # type: ignore[return-value]


def _color(f: Fields, path: str, value: Any) -> str | None:
    if value is None:
        return None
    import re

    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        return text
    if re.fullmatch(r"#[0-9a-fA-F]{3}", text):  # CSS shorthand: #c22 is #cc2222
        return "#" + "".join(c * 2 for c in text[1:])
    f.error(path, f"color must be a hex colour like \"#b3261e\", not '{value}'",
            "write # and six hexadecimal digits, in quotes: color: \"#b3261e\"")
    return None


def _check_direction(f: Fields, verdicts: list[Verdict]) -> None:
    rated = [(i, v) for i, v in enumerate(verdicts) if v.rating is not None]
    for (_, better), (i, worse) in zip(rated, rated[1:]):
        if worse.rating >= better.rating:  # type: ignore[operator]
            f.error(f"verdicts[{i}].rating",
                    f"the verdict scale runs the wrong way: '{worse.key}' is rated "
                    f"{worse.rating} but '{better.key}', listed above it as truer, is "
                    f"rated {better.rating}",
                    "list verdicts best to worst with ratings that fall as you go down "
                    "(on ClaimReview a higher number means truer)")
            return

