"""Words around counted numbers: qualifiers ("oltre", "rund"), function words a counted noun
cannot be, coordinators between two modifiers of a counted noun and markers that make a
number a reference ("art. 5", "Nr. 3")."""

from __future__ import annotations


def _word_set(*lines: str) -> frozenset[str]:
    """The space-separated words of `lines`."""
    return frozenset(" ".join(lines).split())


# Qualifier -> the phrases that express it right before a number (lower case; apostrophes
# either kind; spaces match any space). Italian ones may take an article: "oltre il 50%".
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "more than": (
        "oltre", "ben oltre", "più di", "più del", "più dei", "più delle", "più della",
        "piu di", "superiore a", "over", "more than", "upwards of", "in excess of",
        "plus de", "plus d'", "mehr als", "über", "ueber",
    ),
    "about": (
        "circa", "intorno a", "intorno ai", "intorno al", "attorno a", "attorno ai",
        "nell'ordine di", "about", "around", "approximately", "approx.", "roughly", "some",
        "an estimated", "environ", "quelque", "autour de", "de l'ordre de", "rund", "etwa",
        "ungefähr", "zirka", "ca.", "cca.",
    ),
    "almost": (
        "quasi", "nearly", "almost", "close to", "presque", "près de", "pas loin de", "fast",
        "knapp", "beinahe", "nahezu",
    ),
    "at least": ("almeno", "at least", "au moins", "mindestens", "wenigstens"),
    "less than": (
        "meno di", "meno del", "less than", "fewer than", "under", "below", "moins de",
        "moins d'", "weniger als",
    ),
    "up to": (
        "fino a", "fino al", "fino ai", "sino a", "up to", "jusqu'à", "jusqu'a", "bis zu",
        "maximal", "höchstens",
    ),
}  # fmt: skip
# Articles between a qualifier and its number ("oltre il 50%", "circa i 200 addetti").
QUALIFIER_ARTICLES = ("il", "lo", "la", "i", "gli", "le", "the", "les")

# Words that end a number's noun phrase: a counted noun is none of these, and an adjective
# between a number and its noun is none of them either.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "it": _word_set(
        "di a da in con su per tra fra il lo la i gli le un uno una del dello della dei degli "
        "delle al allo alla ai agli alle dal dallo dalla dai dagli dalle nel nello nella nei "
        "negli nelle sul sullo sulla sui sugli sulle e ed o od ma se che non più meno anche "
        "come dove quando mentre oltre circa sono è era erano sarà saranno hanno ha aveva "
        "avevano essere stato stata stati state fa ogni tutti tutte altri altre questi queste "
        "quelli quelle cui loro suoi sue nostri nostre vostri vostre propri proprie entrambi "
        "entrambe però quindi ancora già poi fino contro verso dopo prima durante senza sotto "
        "sopra presso secondo volte insieme sempre inoltre grazie ciascuna ciascuno diverse "
        "diversi vari varie pari rispettivamente complessivamente mille",
    ),
    "en": _word_set(
        "the a an of to in on at by for with from and or but as is are was were be been being "
        "has have had will would can could should may might must not no this that these those "
        "which who whom whose what its their his her our your my all each every both some any "
        "more most less least than then so such also only just very too over under about "
        "around after before between into through during per plus via times thus unless "
        "across always perhaps whereas towards besides afterwards nevertheless sometimes "
        "does goes says hers ours yours theirs yes others respectively",
    ),
    "fr": _word_set(
        "de du des le la les l un une et ou mais donc or ni car à au aux en dans par pour sur "
        "sous avec sans chez vers entre contre depuis pendant selon après avant plus moins "
        "très tous toutes tout toute leurs leur ses ces mes nos vos sont est était étaient "
        "sera seront ont a avait avaient qui que quoi dont où ne pas se sa son ce cette cet "
        "il ils elle elles nous vous on y fois alors parmi parfois toujours jamais ailleurs "
        "ainsi aussi autres respectivement",
    ),
    "de": _word_set(
        "der die das den dem des ein eine einer einen einem eines und oder aber als wie in im "
        "an am auf aus bei mit nach seit von vom zu zum zur für über unter vor hinter neben "
        "zwischen durch gegen ohne um bis ist sind war waren wird werden wurde wurden hat "
        "haben hatte hatten nicht kein keine mehr weniger auch noch schon nur sehr so alle "
        "jeder jede jedes diese dieser dieses sein seine ihr ihre unser unsere mal uhr "
        "jeweils insgesamt",
    ),
}

# Words that join two modifiers of one counted noun: "14 aerospace and defence companies",
# "Vierzehn Raumfahrt- und Verteidigungsunternehmen".
COORDINATORS: dict[str, frozenset[str]] = {
    "it": _word_set("e ed o"),
    "en": _word_set("and or"),
    "fr": _word_set("et ou"),
    "de": _word_set("und oder sowie"),
}

# Words right before a number that make it a reference, not a count ("art. 5", "Nr. 3").
REFERENCE_MARKERS = _word_set(
    "n. n° nº nr. nr no. no art. artt. articolo article artikel par. § p. pag. pp. page "
    "pagina seite s. fig. tab. punto comma capitolo chapter chapitre kapitel section sezione "
    "abschnitt heft vol. volume band ore h. tel. tel fax telefono phone",
)
