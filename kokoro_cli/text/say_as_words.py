"""Words the say-as readers (say_as.py) need per language: names of characters, fractions,
"plus", currency codes."""

from __future__ import annotations

CHAR_NAMES = {
    "en": {"-": "dash", ".": "dot", "@": "at", "/": "slash", "_": "underscore", "+": "plus",
           "#": "hash", "&": "and", ":": "colon", "*": "star"},
    "es": {"-": "guion", ".": "punto", "@": "arroba", "/": "barra", "_": "guion bajo",
           "+": "más", "#": "almohadilla", "&": "y", ":": "dos puntos", "*": "asterisco"},
    "fr-fr": {"-": "tiret", ".": "point", "@": "arobase", "/": "barre oblique",
              "_": "tiret bas", "+": "plus", "#": "dièse", "&": "et", ":": "deux-points",
              "*": "étoile"},
    "it": {"-": "trattino", ".": "punto", "@": "chiocciola", "/": "barra", "_": "trattino basso",
           "+": "più", "#": "cancelletto", "&": "e", ":": "due punti", "*": "asterisco"},
    "pt-br": {"-": "hífen", ".": "ponto", "@": "arroba", "/": "barra", "_": "sublinhado",
              "+": "mais", "#": "cerquilha", "&": "e", ":": "dois pontos", "*": "asterisco"},
}  # fmt: skip

ROMANCE_FRACTIONS = {
    "es": ({2: ("medio", "medios"), 3: ("tercio", "tercios"), 4: ("cuarto", "cuartos")}, "y",
           "sobre"),
    "fr-fr": ({2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}, "et", "sur"),
    "it": ({2: ("mezzo", "mezzi"), 3: ("terzo", "terzi"), 4: ("quarto", "quarti")}, "e", "su"),
    "pt-br": ({2: ("meio", "meios"), 3: ("terço", "terços"), 4: ("quarto", "quartos")}, "e",
              "sobre"),
}  # fmt: skip

PLUS = {"es": "más", "fr-fr": "plus", "it": "più", "pt-br": "mais"}

# Currency codes and the sign the normalizers read.
CODES = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "RUB": "₽",
          "BRL": "R$", "CAD": "C$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "SGD": "S$",
          "MXN": "Mex$", "TRY": "₺", "ILS": "₪", "PHP": "₱", "THB": "฿",
          "UAH": "₴", "NGN": "₦", "VND": "₫", "BTC": "₿"}  # fmt: skip
ROMANCE_SIGNS = {"€", "$", "£", "US$", "R$"}
# Codes with no sign of their own: English names.
CODE_NAMES = {"CNY": ("yuan", "yuan"), "RMB": ("yuan", "yuan"), "CHF": ("Swiss franc",
               "Swiss francs"), "SEK": ("Swedish krona", "Swedish kronor"), "NOK":
               ("Norwegian krone", "Norwegian kroner"), "DKK": ("Danish krone", "Danish kroner"),
               "ZAR": ("rand", "rand")}  # fmt: skip
