"""What the assistant says when it refuses or escalates, in the user's language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.places import places_of_conversation

# Every refusal and escalation is written in each of these (a test checks the registry against it).
LANGUAGES = ("en", "es", "fr", "de", "pt", "it")

_MARKERS = {
    "es": r"\b(?:el|los|las|que|por|para|cu[aá]nt[oa]s?|d[oó]nde|c[oó]mo|puedo|debo|quiero|tengo|es|una?|sin|receta|ketamina|qu[eé]|y|mi|con|hago)\b|[¿¡ñ]",
    "fr": r"\b(?:le|les|des|est|pour|je|quelle?|combien|o[uù]|comment|dois|sans|avec|mon|ma|une?|pas|ne|kétamine|acheter|c'est|qu'est)\b|[çœ]",
    "de": r"\b(?:der|die|das|und|ist|ich|wie|viel|viele|wo|kann|nicht|mit|ohne|mein|meine|ein|eine|soll|sollte|ketamin|nach|bei|f[üu]r)\b|[äöüß]",
    "pt": r"\b(?:o|os|do|da|para|quanto|quanta|onde|como|posso|devo|n[ãa]o|sem|meu|minha|um|uma|cetamina|quero|é|voc[eê])\b|[ãõ]",
    "it": r"\b(?:il|lo|gli|della|per|quanta|quanto|quanti|dove|come|posso|devo|non|senza|mio|mia|una?|ketamina|voglio|che|è|sono)\b",
    "en": r"\b(?:the|is|are|what|how|where|can|i|you|my|of|to|and|for|should|much|many|it|do|does|with|why)\b",
}


def detect_language(text: str) -> str:
    """The most likely of the six supported languages (English when unsure)."""
    lowered = text.lower()
    scores = {lang: float(len(re.findall(pattern, lowered))) for lang, pattern in _MARKERS.items()}
    scores["en"] += 0.5  # ties go to English
    return max(scores, key=lambda lang: scores[lang])


def written_in(text: str) -> str | None:
    """The supported language other than English that `text` is clearly written in, if any: at least
    two of its marker words and more than twice as many as English ones ("is ketamina the same as
    ketamine" stays English)."""
    lowered = text.lower()
    scores = {lang: len(re.findall(pattern, lowered)) for lang, pattern in _MARKERS.items()}
    best = max((lang for lang in scores if lang != "en"), key=lambda lang: scores[lang])
    return best if scores[best] >= 2 and scores[best] > 2 * scores["en"] else None


# The vetted articles are in English, and the models that read a question for them read English: a
# question in another language that finds no answer is told so in its own language (and in English,
# for whoever reads the logs), instead of "I don't have a vetted source", which it may well have.
ENGLISH_ONLY: dict[str, str] = {
    "es": "Mis artículos verificados están en inglés y todavía no entiendo bien las preguntas en español, así "
    "que no he encontrado una respuesta segura. Si puede, pregunte en inglés; un médico o farmacéutico "
    "también puede ayudarle.",
    "fr": "Mes articles vérifiés sont en anglais et je comprends encore mal les questions en français, je n'ai "
    "donc pas trouvé de réponse sûre. Si vous le pouvez, posez la question en anglais ; un médecin ou un "
    "pharmacien peut aussi vous aider.",
    "de": "Meine geprüften Artikel sind auf Englisch, und Fragen auf Deutsch verstehe ich noch nicht gut, "
    "deshalb habe ich keine sichere Antwort gefunden. Wenn möglich, fragen Sie auf Englisch; auch eine "
    "Ärztin, ein Arzt oder eine Apotheke kann helfen.",
    "pt": "Os meus artigos verificados estão em inglês e ainda não compreendo bem perguntas em português, por "
    "isso não encontrei uma resposta segura. Se puder, pergunte em inglês; um médico ou farmacêutico "
    "também pode ajudar.",
    "it": "I miei articoli verificati sono in inglese e non capisco ancora bene le domande in italiano, quindi "
    "non ho trovato una risposta sicura. Se puoi, fai la domanda in inglese; anche un medico o un "
    "farmacista può aiutarti.",
}
ENGLISH_ONLY_IN_ENGLISH = (
    "(My vetted articles are in English and I read questions in other languages poorly, so I found no "
    "answer I can stand behind; asking in English may help.)"
)


def english_only(language: str) -> str:
    """The reply to a question in `language` that found no answer, in that language and in English."""
    return f"{ENGLISH_ONLY[language]} {ENGLISH_ONLY_IN_ENGLISH}"


@dataclass(frozen=True)
class EmergencyNumber:
    region: str
    number: str


REFUSALS: dict[str, dict[str, str]] = {
    "dosing": {
        "en": "I can't help with doses or how much to take: the right amount depends on the person and only a clinician or pharmacist can judge it safely. I can explain what ketamine does, its risks and how supervised treatment works.",
        "es": "No puedo ayudar con dosis ni cantidades: la cantidad adecuada depende de cada persona y solo un médico o farmacéutico puede valorarla con seguridad. Puedo explicar qué hace la ketamina, sus riesgos y cómo funciona el tratamiento supervisado.",
        "fr": "Je ne peux pas aider pour les doses ni les quantités : la bonne quantité dépend de chaque personne et seul un médecin ou un pharmacien peut en juger sans risque. Je peux expliquer les effets de la kétamine, ses risques et le fonctionnement d'un traitement encadré.",
        "de": "Bei Dosierungen und Mengen kann ich nicht helfen: Die richtige Menge hängt von der Person ab, und nur eine Ärztin, ein Arzt oder eine Apotheke kann das sicher beurteilen. Ich kann erklären, wie Ketamin wirkt, welche Risiken es hat und wie eine überwachte Behandlung abläuft.",
        "pt": "Não posso ajudar com doses nem quantidades: a quantidade adequada depende de cada pessoa e só um médico ou farmacêutico pode avaliá-la com segurança. Posso explicar o que a cetamina faz, os seus riscos e como funciona o tratamento supervisionado.",
        "it": "Non posso aiutare con dosi o quantità: la quantità giusta dipende dalla persona e solo un medico o un farmacista può valutarla in sicurezza. Posso spiegare cosa fa la ketamina, i suoi rischi e come funziona il trattamento supervisionato.",
    },
    "sourcing": {
        "en": "I can't help with buying, getting, making or supplying drugs: unlicensed sources are illegal and often sell fake or contaminated products. A doctor or pharmacist can tell you about legitimate treatment options, and I can explain the risks and the law.",
        "es": "No puedo ayudar a comprar, conseguir, fabricar ni suministrar drogas: las fuentes sin licencia son ilegales y a menudo venden productos falsos o contaminados. Un médico o farmacéutico puede informarle sobre opciones de tratamiento legítimas, y yo puedo explicar los riesgos y la ley.",
        "fr": "Je ne peux pas aider à acheter, obtenir, fabriquer ou fournir des drogues : les sources non autorisées sont illégales et vendent souvent des produits falsifiés ou contaminés. Un médecin ou un pharmacien peut vous parler des traitements légitimes, et je peux expliquer les risques et la loi.",
        "de": "Beim Kaufen, Beschaffen, Herstellen oder Weitergeben von Drogen kann ich nicht helfen: Nicht zugelassene Quellen sind illegal und verkaufen oft gefälschte oder verunreinigte Produkte. Eine Ärztin, ein Arzt oder eine Apotheke kann über legale Behandlungsmöglichkeiten informieren, und ich kann die Risiken und die Rechtslage erklären.",
        "pt": "Não posso ajudar a comprar, obter, fabricar ou fornecer drogas: fontes sem licença são ilegais e vendem muitas vezes produtos falsificados ou contaminados. Um médico ou farmacêutico pode informar sobre opções de tratamento legítimas, e eu posso explicar os riscos e a lei.",
        "it": "Non posso aiutare ad acquistare, procurarsi, produrre o cedere droghe: le fonti non autorizzate sono illegali e spesso vendono prodotti falsi o contaminati. Un medico o un farmacista può indicarti opzioni di trattamento legittime, e io posso spiegare i rischi e la legge.",
    },
    "jailbreak": {
        "en": "I can't switch off my safety rules or answer around them, whatever the framing: I won't give doses or sources. I'm glad to answer questions about ketamine's uses, risks and law from vetted articles.",
        "es": "No puedo desactivar mis normas de seguridad ni esquivarlas, se plantee como se plantee: no daré dosis ni fuentes. Con gusto respondo preguntas sobre los usos, riesgos y la ley de la ketamina a partir de artículos verificados.",
        "fr": "Je ne peux pas désactiver mes règles de sécurité ni les contourner, quelle que soit la formulation : je ne donnerai ni doses ni sources. Je réponds volontiers aux questions sur les usages, les risques et la loi concernant la kétamine, à partir d'articles vérifiés.",
        "de": "Ich kann meine Sicherheitsregeln nicht abschalten oder umgehen, egal wie die Frage verpackt ist: Dosierungen und Bezugsquellen gebe ich nicht. Fragen zu Anwendung, Risiken und Rechtslage von Ketamin beantworte ich gern aus geprüften Artikeln.",
        "pt": "Não posso desligar as minhas regras de segurança nem contorná-las, seja qual for a forma do pedido: não darei doses nem fontes. Respondo com gosto a perguntas sobre os usos, riscos e a lei da cetamina com base em artigos verificados.",
        "it": "Non posso disattivare le mie regole di sicurezza né aggirarle, in qualunque modo sia posta la domanda: non darò dosi né fonti. Rispondo volentieri a domande su usi, rischi e legge della ketamina in base ad articoli verificati.",
    },
}

_EMERGENCY = {
    "en": (
        "This sounds like an emergency. Call emergency services now: {numbers}. If the person is unconscious but breathing, "
        "lay them on their side in the recovery position and stay with them. If they are not breathing, tell the call handler, "
        "who will talk you through CPR. Tell the paramedics what was taken."
    ),
    "es": (
        "Esto parece una emergencia. Llame ahora a los servicios de emergencia: {numbers}. Si la persona está inconsciente pero respira, "
        "póngala de lado en la posición lateral de seguridad y quédese con ella. Si no respira, dígaselo a quien atienda la llamada, "
        "que le guiará en la RCP. Cuente a los sanitarios qué ha tomado."
    ),
    "fr": (
        "Cela ressemble à une urgence. Appelez les secours maintenant : {numbers}. Si la personne est inconsciente mais respire, "
        "placez-la sur le côté en position latérale de sécurité et restez avec elle. Si elle ne respire pas, dites-le à l'opérateur, "
        "qui vous guidera pour la réanimation. Dites aux secours ce qui a été pris."
    ),
    "de": (
        "Das klingt nach einem Notfall. Rufen Sie jetzt den Notruf: {numbers}. Ist die Person bewusstlos, atmet aber, "
        "bringen Sie sie in die stabile Seitenlage und bleiben Sie bei ihr. Atmet sie nicht, sagen Sie es der Leitstelle, "
        "die Sie durch die Wiederbelebung führt. Sagen Sie dem Rettungsdienst, was genommen wurde."
    ),
    "pt": (
        "Isto parece uma emergência. Ligue já para os serviços de emergência: {numbers}. Se a pessoa estiver inconsciente mas a respirar, "
        "coloque-a de lado na posição lateral de segurança e fique com ela. Se não respirar, diga-o a quem atender, "
        "que o orientará na reanimação. Diga aos socorristas o que foi tomado."
    ),
    "it": (
        "Sembra un'emergenza. Chiama subito i soccorsi: {numbers}. Se la persona è incosciente ma respira, "
        "mettila su un fianco nella posizione laterale di sicurezza e resta con lei. Se non respira, dillo all'operatore, "
        "che ti guiderà nella rianimazione. Di' ai soccorritori cosa è stato preso."
    ),
}

_SELF_HARM = {
    "en": (
        "I'm really sorry you're going through this, and I'm glad you said it. You don't have to face it alone: please talk to someone now. {lines} "
        "If you might act on these thoughts, call emergency services ({numbers}) or go to the nearest emergency department."
    ),
    "es": (
        "Siento mucho que esté pasando por esto y me alegra que lo haya dicho. No tiene que afrontarlo a solas: hable ahora con alguien. {lines} "
        "Si cree que podría actuar, llame a emergencias ({numbers}) o vaya al servicio de urgencias más cercano."
    ),
    "fr": (
        "Je suis vraiment désolé que vous traversiez cela, et je suis content que vous l'ayez dit. Vous n'êtes pas seul : parlez à quelqu'un maintenant. {lines} "
        "Si vous risquez de passer à l'acte, appelez les secours ({numbers}) ou rendez-vous aux urgences les plus proches."
    ),
    "de": (
        "Es tut mir sehr leid, dass es Ihnen so geht, und gut, dass Sie es sagen. Sie müssen das nicht allein tragen: Sprechen Sie jetzt mit jemandem. {lines} "
        "Wenn Sie fürchten, den Gedanken zu folgen, rufen Sie den Notruf ({numbers}) oder gehen Sie in die nächste Notaufnahme."
    ),
    "pt": (
        "Lamento muito que esteja a passar por isto, e ainda bem que o disse. Não tem de enfrentar isto sozinho: fale com alguém agora. {lines} "
        "Se achar que pode agir, ligue para a emergência ({numbers}) ou vá às urgências mais próximas."
    ),
    "it": (
        "Mi dispiace davvero che tu stia passando tutto questo, e sono contento che tu l'abbia detto. Non devi affrontarlo da solo: parla con qualcuno adesso. {lines} "
        "Se pensi di poter agire, chiama i soccorsi ({numbers}) o vai al pronto soccorso più vicino."
    ),
}


# The same crisis lines for someone describing another person's despair ("my son says whats the point
# in anything"): spoken to the person writing, who is worried, not to them as if it were theirs.
_SELF_HARM_CARER = {
    "en": (
        "It sounds as though someone you care about may be thinking about ending their life, and you are right to take it seriously. "
        "You don't have to handle this alone: crisis lines also help people who are worried about someone else. {lines} "
        "If they might act on these thoughts now, call emergency services ({numbers}) and stay with them if it is safe to do so."
    ),
    "es": (
        "Parece que alguien que le importa podría estar pensando en quitarse la vida, y hace bien en tomárselo en serio. "
        "No tiene que afrontarlo a solas: las líneas de crisis también ayudan a quien está preocupado por otra persona. {lines} "
        "Si cree que podría actuar ahora, llame a emergencias ({numbers}) y quédese con esa persona si es seguro hacerlo."
    ),
    "fr": (
        "On dirait qu'une personne qui compte pour vous pense peut-être à mettre fin à ses jours, et vous avez raison de le prendre au sérieux. "
        "Vous n'avez pas à gérer cela seul : les lignes d'écoute aident aussi les proches inquiets. {lines} "
        "Si cette personne risque de passer à l'acte maintenant, appelez les secours ({numbers}) et restez auprès d'elle si vous pouvez le faire sans danger."
    ),
    "de": (
        "Es klingt, als könnte ein Mensch, der Ihnen nahesteht, daran denken, sich das Leben zu nehmen, und es ist richtig, das ernst zu nehmen. "
        "Sie müssen das nicht allein tragen: Krisendienste beraten auch Angehörige, die sich Sorgen machen. {lines} "
        "Wenn die Person den Gedanken jetzt folgen könnte, rufen Sie den Notruf ({numbers}) und bleiben Sie bei ihr, wenn das für Sie sicher ist."
    ),
    "pt": (
        "Parece que alguém de quem gosta pode estar a pensar em pôr fim à vida, e faz bem em levar isso a sério. "
        "Não tem de lidar com isto sozinho: as linhas de crise também ajudam quem está preocupado com outra pessoa. {lines} "
        "Se essa pessoa puder agir agora, ligue para a emergência ({numbers}) e fique com ela se for seguro fazê-lo."
    ),
    "it": (
        "Sembra che una persona a cui tieni possa pensare di togliersi la vita, e fai bene a prenderlo sul serio. "
        "Non devi affrontarlo da solo: le linee di ascolto aiutano anche chi è preoccupato per qualcun altro. {lines} "
        "Se quella persona potesse agire adesso, chiama i soccorsi ({numbers}) e resta con lei se puoi farlo in sicurezza."
    ),
}


# The default numbers' regions, named in each reply language (a region not listed keeps its own name).
REGION_NAMES: dict[str, dict[str, str]] = {
    "es": {"US": "EE. UU.", "EU": "UE", "UK": "Reino Unido"},
    "fr": {"US": "États-Unis", "EU": "UE", "UK": "Royaume-Uni"},
    "de": {"US": "USA", "EU": "EU", "UK": "Vereinigtes Königreich"},
    "pt": {"US": "EUA", "EU": "UE", "UK": "Reino Unido"},
    "it": {"US": "USA", "EU": "UE", "UK": "Regno Unito"},
}


@dataclass(frozen=True)
class LocalHelp:
    """Where to call in one country: its emergency number and, where known, a crisis line."""

    place: str  # a name of corpus.places.PLACES
    emergency: EmergencyNumber
    crisis_line: str | None = None


# The default crisis line for the UK and Ireland, worded as guardrails.input_rail words it, so that a
# person in Cardiff hears Samaritans before 988 (an eleventh new-user trial, session 37).
SAMARITANS = "In the UK and Ireland, call Samaritans on 116 123."
# Someone who says where they are gets that country's numbers first: a person in Sydney who is told
# to ring 911, 112 or 999 loses time. Numbers change rarely but do change: review them with the defaults.
LOCAL_HELP: dict[str, LocalHelp] = {
    local.place: local
    for local in (
        LocalHelp("united states", EmergencyNumber("US", "911")),
        LocalHelp("united kingdom", EmergencyNumber("UK", "999"), SAMARITANS),
        LocalHelp("england", EmergencyNumber("UK", "999"), SAMARITANS),
        LocalHelp("scotland", EmergencyNumber("UK", "999"), SAMARITANS),
        LocalHelp("wales", EmergencyNumber("UK", "999"), SAMARITANS),
        LocalHelp("northern ireland", EmergencyNumber("UK", "999"), SAMARITANS),
        LocalHelp("european union", EmergencyNumber("EU", "112")),
        LocalHelp("ireland", EmergencyNumber("Ireland", "112"), SAMARITANS),
        LocalHelp(
            "australia",
            EmergencyNumber("Australia", "000"),
            "In Australia, call Lifeline on 13 11 14.",
        ),
        LocalHelp(
            "new zealand",
            EmergencyNumber("New Zealand", "111"),
            "In New Zealand, call or text 1737.",
        ),
        LocalHelp(
            "canada",
            EmergencyNumber("Canada", "911"),
            "In Canada, call or text 988 (Suicide Crisis Helpline).",
        ),
        LocalHelp("india", EmergencyNumber("India", "112"), "In India, call Tele-MANAS on 14416."),
        LocalHelp(
            "netherlands", EmergencyNumber("Netherlands", "112"), "In the Netherlands, call 113 or 0800 0113."
        ),
        LocalHelp(
            "germany",
            EmergencyNumber("Germany", "112"),
            "In Germany, call TelefonSeelsorge on 0800 111 0 111.",
        ),
        LocalHelp("france", EmergencyNumber("France", "112"), "In France, call 3114."),
        LocalHelp("spain", EmergencyNumber("Spain", "112"), "In Spain, call 024."),
        LocalHelp("italy", EmergencyNumber("Italy", "112"), "In Italy, call Telefono Amico on 02 2327 2327."),
        LocalHelp("japan", EmergencyNumber("Japan", "119")),
        LocalHelp("china", EmergencyNumber("China", "120")),
        LocalHelp("thailand", EmergencyNumber("Thailand", "1669")),
    )
}


# Someone who served in the US forces reaches the Veterans Crisis Line through 988 by pressing 1: a
# trial persona, a veteran treated by the VA, was given only the general line (session 37's note).
VETERANS_CRISIS_LINE = (
    "If you have served in the US military, call 988 and press 1 (Veterans Crisis Line), or text 838255."
)
_SERVED = re.compile(
    r"\bveterans?\b|\bex[- ](?:military|army|forces|marines?|soldier)\b|"
    r"\bserved\s+in\s+the\s+(?:army|military|navy|marines|air\s+force|forces|national\s+guard)\b",
    re.IGNORECASE,
)
# Case-sensitive: "VA" is also Virginia's postal abbreviation, which the words after "the" rule out.
_VETERANS_AFFAIRS = re.compile(
    r"\bthe\s+VA\b|\bVA\s+(?:doctor|hospital|clinic|benefits|health|psychiatrist|care)"
)


def served_in_the_military(turns: Sequence[str]) -> bool:
    """Whether the person says they are a veteran or are treated by the US Department of Veterans Affairs."""
    return any(_SERVED.search(turn) or _VETERANS_AFFAIRS.search(turn) for turn in turns)


def local_help(turns: Sequence[str]) -> LocalHelp | None:
    """The help of the country the person is in: the one place the newest turn names, or else the one
    an earlier turn says they are in (`places_of_conversation`); a veteran who names no other country
    gets the US veterans' line."""
    named = places_of_conversation(turns)
    local = LOCAL_HELP.get(next(iter(named))) if len(named) == 1 else None
    if served_in_the_military(turns) and (local is None or local.place == "united states"):
        return LocalHelp("united states", EmergencyNumber("US", "911"), VETERANS_CRISIS_LINE)
    return local


def with_local_number(numbers: Sequence[EmergencyNumber], local: LocalHelp | None) -> list[EmergencyNumber]:
    """`numbers` with the country's own emergency number first, once: named as `numbers` name it when
    the country is one of the default regions (so replies keep their translated region names), else
    by the country ("911 (Canada)", not "911 (US)")."""
    if local is None:
        return list(numbers)
    own = local.emergency
    configured = [n for n in numbers if n.number == own.number and n.region == own.region]
    return [configured[0] if configured else own, *(n for n in numbers if n.number != own.number)]


# A phone number in a line of text ("116 123", "13 11 14", "988").
PHONE_NUMBER = re.compile(r"(?<![\w/])\+?\d[\d ]{1,14}\d(?![\w/])")


def _numbers(line: str) -> frozenset[str]:
    return frozenset(m.group().replace(" ", "") for m in PHONE_NUMBER.finditer(line))


def with_local_line(lines: Sequence[str], local: LocalHelp | None, language: str) -> list[str]:
    """`lines` with the country's crisis line first (English replies only: the line is worded in English);
    a line that gives only numbers the country's line already gives is left out ("In the US and
    Canada, call or text 988" after "In Canada, call or text 988")."""
    if local is None or local.crisis_line is None or language != "en":
        return list(lines)
    given = _numbers(local.crisis_line)
    rest = [
        line
        for line in lines
        if line != local.crisis_line and not (_numbers(line) and _numbers(line) <= given)
    ]
    return [local.crisis_line, *rest]


# Someone violent or frightening now: safety first, then the drugs, then who helps with abuse at home.
_UNSAFE = {
    "en": (
        "If you are not safe right now, get to a safe place if you can and call emergency services: {numbers}. "
        "Someone who is paranoid, violent or out of control after taking drugs may also need urgent medical help, so "
        "tell the call handler what was taken. For support with a partner or relative who frightens you: in the UK, "
        "the National Domestic Abuse Helpline, 0808 2000 247 (free, 24 hours); in the US, the National Domestic "
        "Violence Hotline, 1-800-799-7233."
    ),
    "es": (
        "Si no está a salvo ahora mismo, vaya a un lugar seguro si puede y llame a los servicios de emergencia: {numbers}. "
        "Una persona paranoica, violenta o fuera de control después de tomar drogas también puede necesitar ayuda médica "
        "urgente: diga a quien atienda la llamada qué ha tomado. En España, el 016 atiende a víctimas de violencia de género."
    ),
    "fr": (
        "Si vous n'êtes pas en sécurité en ce moment, mettez-vous à l'abri si vous le pouvez et appelez les secours : {numbers}. "
        "Une personne paranoïaque, violente ou hors de contrôle après avoir pris des drogues peut aussi avoir besoin d'une aide "
        "médicale urgente : dites à l'opérateur ce qui a été pris. En France, le 3919 écoute les victimes de violences."
    ),
    "de": (
        "Wenn Sie gerade nicht sicher sind, bringen Sie sich wenn möglich in Sicherheit und rufen Sie den Notruf: {numbers}. "
        "Wer nach Drogen paranoid, gewalttätig oder außer Kontrolle ist, kann auch dringend ärztliche Hilfe brauchen: Sagen "
        "Sie der Leitstelle, was genommen wurde. In Deutschland hilft das Hilfetelefon Gewalt gegen Frauen unter 116 016."
    ),
    "pt": (
        "Se não está em segurança agora, vá para um lugar seguro se puder e ligue para os serviços de emergência: {numbers}. "
        "Alguém paranoico, violento ou descontrolado depois de tomar drogas pode também precisar de ajuda médica urgente: "
        "diga a quem atender o que foi tomado. No Brasil, a Central de Atendimento à Mulher atende pelo 180."
    ),
    "it": (
        "Se in questo momento non sei al sicuro, mettiti al riparo se puoi e chiama i soccorsi: {numbers}. Una persona "
        "paranoica, violenta o fuori controllo dopo aver preso droghe può avere bisogno anche di aiuto medico urgente: di' "
        "all'operatore che cosa è stato preso. In Italia il 1522 risponde alle vittime di violenza."
    ),
}


def _listed(language: str, numbers: Sequence[EmergencyNumber]) -> str:
    names = REGION_NAMES.get(language, {})
    return ", ".join(f"{n.number} ({names.get(n.region, n.region)})" for n in numbers)


def unsafe(language: str, numbers: Sequence[EmergencyNumber]) -> str:
    return _UNSAFE.get(language, _UNSAFE["en"]).format(numbers=_listed(language, numbers))


def emergency(language: str, numbers: Sequence[EmergencyNumber]) -> str:
    return _EMERGENCY.get(language, _EMERGENCY["en"]).format(numbers=_listed(language, numbers))


def self_harm(
    language: str, numbers: Sequence[EmergencyNumber], crisis_lines: Sequence[str], someone_else: bool = False
) -> str:
    """The crisis reply; `someone_else` words it for a person worried about another's despair."""
    listed = ", ".join(n.number for n in numbers)
    replies = _SELF_HARM_CARER if someone_else else _SELF_HARM
    return replies.get(language, replies["en"]).format(lines=" ".join(crisis_lines), numbers=listed)
