#!/usr/bin/env python3
"""Writes tokenizers/texts.json: the varied text chunks that tokenizer_golden.js encodes beside the
Brown corpus (a JSON array of strings, so CR, tabs and unusual white space survive exactly).
Hand-written samples of many scripts and formats, then seeded random mixes of code points from
established Unicode blocks. Deterministic: rerunning writes the same file."""
import json, os, random

hand = [
    "Hello world! It's a test. I'M HERE, YOU'RE THERE, WE'VE SEEN IT, THEY'LL GO, HE'D SAY, SHE'S OK, DON'T.",
    "it's it'S iT's 'tis 'TIS ''s 's'S'm'M'll'LL'd'D're'Re've'vE",
    "Numbers: 0 7 42 123 1234 12345 123456 1234567 12345678 123456789 1234567890 12345678901234567890 3.14159 -2.5e-10 1,000,000 ٠١٢٣٤٥٦٧٨٩ ०१२३४५६७८९ ０１２３４ ⅣⅫ ½ ¾ ²³",
    "中文文本：我们今天去公园散步，天气很好。日本語のテキスト、カタカナとひらがな。한국어 문장도 있습니다.",
    "العربية: مرحبا بالعالم، هذا اختبار. فارسی: سلام دنیا. עברית: שלום עולם.",
    "हिन्दी: नमस्ते दुनिया, यह एक परीक्षण है। বাংলা: হ্যালো বিশ্ব। தமிழ்: வணக்கம் உலகம்.",
    "Emoji: 😀😃😄 👍🏽👍🏿 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸🇯🇵 ❤️ ☕ 🤷‍♀️ 🧑🏻‍💻 1️⃣ #️⃣",
    "Combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0363\u0364\u0367 \u0915\u094d\u0937 A\u030a\u0323 q\u0307\u0323",
    "def f(x):\r\n\tif x > 0:\r\n\t\treturn x ** 2\r\n\telse:\r\n\t\treturn -x\r\n",
    "int main() {\n    printf(\"%d\\n\", 42);\n\treturn 0;\n}\n\n\n",
    "    leading spaces and trailing spaces    ",
    "a  b   c    d     e      f       g        h\t\ti\t \tj \n \n k\r\n\r\nl",
    "\n\n\n\n",
    " ",
    "",
    "x",
    "Text with <|endoftext|> inside and <|endoftext|><|endoftext|> twice, then <|endoftext|>",
    "<|begin_of_text|>Llama style<|end_of_text|> and <|begin_of_text|><|begin_of_text|> stacked",
    "Not quite special: <|endoftext| <|endoftext|>> <||endoftext|> <|ENDOFTEXT|>",
    "URLs: https://example.com/path?q=1&r=two#frag mail@example.org C:\\Users\\x\\file.txt",
    "Mixed: abc123def 123abc 1a2b3c ABC-DEF_ghi.jkl/mno",
    "Punctuation!!! ??? ... --- ___ *** ((())) [[[]]] {{{}}} \"quoted\" 'single' «guillemets» „low“ ‘curly’ — – …",
    "Greek: Καλημέρα κόσμε. Cyrillic: Привет, мир! Georgian: გამარჯობა. Armenian: Բարեւ.",
    "Thai: สวัสดีชาวโลก Lao: ສະບາຍດີ Khmer: សួស្តី Tibetan: བཀྲ་ཤིས་བདེ་ལེགས།",
    "Math: ∀x∈ℝ: x²≥0, ∑ᵢ aᵢ = ∫₀¹ f(t) dt ≈ 𝔼[X] 𝑥𝑦𝑧 𝟘𝟙𝟚",
    "Supplementary letters: 𝐀𝐁𝐂 𐐀𐐁𐐂 𠀀𠀁𠀂 (CJK ext B) 𝒜𝒷𝒸",
    "White space zoo: a\u00a0b\u2000c\u2003d\u3000e\u202ff\u205fg\u1680h\u2028i\u2029j\u0085k\u000bl\u000cm",
    "Not white space: a\u200bb\ufeffc\u180ed\u2060e",
    "Control chars: \u0000\u0001\u0002\u001b[31mred\u001b[0m\u007f\u0080\u009f",
    "Japanese mixed: 東京は2024年に人口1400万人。ｶﾀｶﾅ ﾃｽﾄ。",
    "Tabs\tbetween\twords\tand\t\t\tmany\t \t tabs",
    "CRLF line one\r\nline two\r\n\r\nline four\rbare CR\n",
    "Spaces before newline   \nand after\n   indented\n\t\ttabbed",
    "  \n  \n\t\n",
    "'''''''' \"\"\"\"\"\" ''s ''S",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "Ümlaute: Größe, Mädchen, Übung; Français: où, élève, garçon; Español: ñandú, ¿qué?, ¡sí!",
]

random.seed(20261202)
pools = {
    "latin": [chr(c) for c in range(0x41, 0x5B)] + [chr(c) for c in range(0x61, 0x7B)] + list("éèêëàâäîïôöùûüçñÉÀÖ"),
    "digits": list("0123456789") + [chr(c) for c in range(0x660, 0x66A)] + [chr(c) for c in range(0x966, 0x970)] + list("²³¹½¼"),
    "space": [" ", " ", " ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2003", "\u0085", "\u000b", "\u000c", "\u2028"],
    "punct": list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + list("«»„“”‘’—–…¿¡§¶•·"),
    "apos": ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'d", "'D", "'"],
    "cjk": [chr(c) for c in range(0x4E00, 0x4E40)] + [chr(c) for c in range(0x3041, 0x3060)] + [chr(c) for c in range(0xAC00, 0xAC20)],
    "arabic": [chr(c) for c in range(0x627, 0x64A)],
    "deva": [chr(c) for c in range(0x905, 0x939)] + [chr(c) for c in range(0x93E, 0x94D)],
    "combining": [chr(c) for c in range(0x300, 0x36F)],
    "emoji": [chr(c) for c in range(0x1F600, 0x1F64F)] + ["\u200d", "\ufe0f"] + [chr(c) for c in range(0x1F3FB, 0x1F400)] + ["👨‍👩‍👧", "🏳️‍🌈", "🇫🇷"],
    "astral": [chr(c) for c in range(0x1D400, 0x1D433)] + [chr(c) for c in range(0x20000, 0x20010)] + [chr(c) for c in range(0x10400, 0x10420)],
    "special": ["<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>", "<|endof", "text|>"],
    "control": [chr(c) for c in range(0, 32)] + ["\u007f", "\u0080", "\u009f", "\u200b", "\ufeff", "\u180e"],
}
names = sorted(pools)
rand_chunks = []
for i in range(240):
    n = random.randint(1, 120)
    focus = random.sample(names, random.randint(1, 4))
    parts = []
    for _ in range(n):
        pool = random.choice(focus) if random.random() < 0.8 else random.choice(names)
        piece = random.choice(pools[pool])
        if pool in ("latin", "cjk", "arabic", "deva", "digits", "space") and random.random() < 0.5:
            piece = piece * random.randint(1, 12)
        parts.append(piece)
    rand_chunks.append("".join(parts))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizers", "texts.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w", encoding="utf-8", newline="\n") as f:
    json.dump(hand + rand_chunks, f, ensure_ascii=True, indent=0)
    f.write("\n")
print(f"{out}: {len(hand) + len(rand_chunks)} chunks")
