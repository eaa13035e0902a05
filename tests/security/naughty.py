"""Naughty strings: the inputs that break naive code (after the Big List of Naughty Strings)."""

SCRIPT = "<script>alert('tp')</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'

NAUGHTY_STRINGS = [
    SCRIPT,
    IMG_ONERROR,
    "javascript:alert(1)",
    "'; DROP TABLE jobs; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(10)",
    "{{ 7 * 7 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "${jndi:ldap://127.0.0.1/a}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "tag\u0000null",
    "\u0000",
    "\r\nSet-Cookie: pwned=1",
    "\u202eRTL override\u202c",
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew, right to left
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319alg\u0337o",  # zalgo
    "\U0001f600\U0001f4a9\u200d\U0001f308",  # emoji, zero-width joiner
    "\ufeffbom",
    "\u200b",  # zero-width space only
    "ｐｙｔｈｏｎ",  # full-width letters
    "ℌ𝔢𝔩𝔩𝔬",  # mathematical letters
    "١٢٣",  # Arabic-Indic digits (str.isdigit() says yes)
    "²³",  # superscript digits (ditto)
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "A" * 10_000,
    "#" * 500,
    " ",
    "",
    "NaN",
    "-1",
    "1e309",
    "0x10",
]
