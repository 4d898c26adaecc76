"""Rebuild the bundled lesson packs (en, es, fr, de, it and pt-BR basics) with espeak-ng.

Usage: ``.venv/bin/python lessons/build_packs.py [PACK_ID ...]`` (all packs by default).

Each pack is built in a temporary folder next to its final place and swapped in
only when complete. References are espeak-ng speech stored as 16 kHz mono FLAC,
with word timings from espeak-ng's own word events.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import soxr

from tui.packs.authoring import add_phrase, new_pack
from tui.packs.loader import validate_pack
from tui.speech.tts import synthesize

LESSONS = Path(__file__).resolve().parent
SAMPLERATE = 16000
AUTHOR = "pronounce contributors (espeak-ng voices)"

# (text, translation, pronunciation note)
ENGLISH = [
    ("Hello, how are you?", "Hola, ¿cómo estás? / Bonjour, comment ça va ?", "Let 'how are you' run together; the voice rises a little on 'you'."),
    ("Good morning.", "Buenos días. / Bonjour.", "The 'r' in 'morning' is soft in American English; stress 'MOR'."),
    ("Good evening.", "Buenas tardes. / Bonsoir.", "'Evening' has two syllables: EEV-ning."),
    ("Nice to meet you.", "Encantado de conocerte. / Enchanté.", "'Meet you' blends into 'mee-chu'."),
    ("What is your name?", "¿Cómo te llamas? / Comment tu t'appelles ?", "Stress 'name'; 'What is' often sounds like 'wots'."),
    ("My name is Alex.", "Me llamo Alex. / Je m'appelle Alex.", "Stress the name; 'is' is short and light."),
    ("Where are you from?", "¿De dónde eres? / D'où viens-tu ?", "Stress 'from' at the end; 'are' is reduced to 'er'."),
    ("I am from Canada.", "Soy de Canadá. / Je viens du Canada.", "CAN-a-da: stress the first syllable."),
    ("Thank you very much.", "Muchas gracias. / Merci beaucoup.", "'Th' is voiceless: tongue between the teeth."),
    ("You're welcome.", "De nada. / De rien.", "'You're' sounds like 'yore'; stress WEL."),
    ("Excuse me.", "Disculpe. / Excusez-moi.", "The 's' in 'excuse' is a 'z' sound here: ik-SKYOOZ."),
    ("I'm sorry.", "Lo siento. / Je suis désolé.", "SOR-ry: stress the first syllable."),
    ("Please speak more slowly.", "Por favor, hable más despacio. / Parlez plus lentement, s'il vous plaît.", "'Slowly' has a long 'o' glide: SLOH-lee."),
    ("I don't understand.", "No entiendo. / Je ne comprends pas.", "Stress 'stand'; 'don't' keeps a light 't'."),
    ("Can you help me?", "¿Puede ayudarme? / Pouvez-vous m'aider ?", "Rising tone at the end of a yes/no question."),
    ("How much does it cost?", "¿Cuánto cuesta? / Combien ça coûte ?", "'Does it' blends to 'duzit'."),
    ("Where is the station?", "¿Dónde está la estación? / Où est la gare ?", "STA-tion: the 'ti' is 'sh'."),
    ("I would like a coffee.", "Quisiera un café. / Je voudrais un café.", "'Would' has a silent 'l'; stress COF-fee."),
    ("The check, please.", "La cuenta, por favor. / L'addition, s'il vous plaît.", "'Check' starts with 'ch' as in 'church'."),
    ("What time is it?", "¿Qué hora es? / Quelle heure est-il ?", "'What time' loses the first 't': 'wha-time'."),
    ("See you tomorrow.", "Hasta mañana. / À demain.", "to-MOR-row: stress the middle."),
    ("Have a nice day.", "Que tengas un buen día. / Bonne journée.", "Link 'have a' into 'hava'."),
    ("I like this city.", "Me gusta esta ciudad. / J'aime cette ville.", "'City' in American English sounds like 'siddy'."),
    ("It is very cold today.", "Hace mucho frío hoy. / Il fait très froid aujourd'hui.", "'Cold' ends with a clear 'ld'."),
    ("Do you speak English?", "¿Habla inglés? / Parlez-vous anglais ?", "ING-lish: stress the first syllable."),
    ("Goodbye, take care.", "Adiós, cuídate. / Au revoir, prends soin de toi.", "'Take care' links the two 'k' sounds into one."),
]

SPANISH = [
    ("Hola, ¿qué tal?", "Hi, how are you?", "The 'h' of 'hola' is silent: say 'OH-la'."),
    ("Buenos días.", "Good morning.", "'Buenos' starts with a 'bw' glide; the 'd' in 'días' is soft."),
    ("Buenas noches.", "Good night.", "'Ch' as in English 'church'."),
    ("Mucho gusto.", "Nice to meet you.", "'Gusto' has a hard 'g' and a pure 'u'."),
    ("¿Cómo te llamas?", "What is your name?", "'Ll' sounds like English 'y' in most of Spain and Latin America."),
    ("Me llamo Ana.", "My name is Ana.", "Stress 'LLA' in 'llamo'."),
    ("¿De dónde eres?", "Where are you from?", "The single 'r' in 'eres' is a quick tap."),
    ("Soy de México.", "I am from Mexico.", "The 'x' in 'México' is said like a strong 'h' (the Spanish 'j')."),
    ("Muchas gracias.", "Thank you very much.", "Tap the 'r' in 'gracias'; in Spain 'c' before 'i' is like 'th'."),
    ("De nada.", "You're welcome.", "The 'd' between vowels is soft, close to English 'th' in 'this'."),
    ("Perdón.", "Sorry / excuse me.", "Stress the last syllable: per-DÓN."),
    ("Lo siento mucho.", "I am very sorry.", "'Siento' has two syllables: SYEN-to."),
    ("Más despacio, por favor.", "More slowly, please.", "Each vowel is short and pure; no English 'uh' sounds."),
    ("No entiendo.", "I don't understand.", "Link 'no' and 'entiendo' without a break."),
    ("¿Puede ayudarme?", "Can you help me?", "The question rises at the end."),
    ("¿Cuánto cuesta?", "How much does it cost?", "'Cu' before a vowel is a 'kw' sound."),
    ("¿Dónde está la estación?", "Where is the station?", "Stress the written accents: DÓN-de, es-TÁ, es-ta-CIÓN."),
    ("Quisiera un café.", "I would like a coffee.", "'Qui' is 'kee': the 'u' is silent."),
    ("La cuenta, por favor.", "The check, please.", "Tap the final 'r' of 'favor' lightly."),
    ("¿Qué hora es?", "What time is it?", "'Qué' is 'keh'; 'hora' has a silent 'h'."),
    ("Hasta mañana.", "See you tomorrow.", "'Ñ' sounds like 'ny' in 'canyon'."),
    ("Que tengas un buen día.", "Have a nice day.", "'Buen' is one syllable: BWEN."),
    ("Me gusta esta ciudad.", "I like this city.", "The final 'd' of 'ciudad' is very soft or silent."),
    ("Hace mucho frío hoy.", "It is very cold today.", "'Hoy' rhymes with English 'boy', without the 'h'."),
    ("¿Habla usted inglés?", "Do you speak English?", "The 'h' of 'habla' is silent; 'b' between vowels is soft."),
    ("Adiós, cuídate.", "Goodbye, take care.", "Stress a-DIÓS and CUÍ-da-te."),
]

FRENCH = [
    ("Bonjour, comment ça va ?", "Hello, how are you?", "Nasal 'on' in 'bonjour' and 'comment'; don't say the 'n'."),
    ("Bonsoir.", "Good evening.", "The 'r' is made at the back of the throat."),
    ("Bonne nuit.", "Good night.", "'Nuit' glides quickly: 'nwee' with rounded lips for the 'u'."),
    ("Enchanté.", "Nice to meet you.", "Two nasal vowels: an-chan-TÉ."),
    ("Comment tu t'appelles ?", "What is your name?", "'Appelles' ends in a clear 'l'; the final 's' is silent."),
    ("Je m'appelle Marie.", "My name is Marie.", "Drop the 'e' of 'Je' in fast speech: 'j'm'appelle'."),
    ("D'où viens-tu ?", "Where are you from?", "'Viens' has a nasal 'in' sound."),
    ("Je viens de Paris.", "I come from Paris.", "The final 's' of 'Paris' is silent: pa-RI."),
    ("Merci beaucoup.", "Thank you very much.", "'Beaucoup' is boh-KOO; keep the 'ou' round."),
    ("De rien.", "You're welcome.", "'Rien' is one syllable with a nasal ending."),
    ("Excusez-moi.", "Excuse me.", "'Moi' sounds like 'mwa'."),
    ("Je suis désolé.", "I am sorry.", "'Suis' glides: 'swee'."),
    ("Parlez plus lentement, s'il vous plaît.", "Please speak more slowly.", "'Plus' keeps its 's' silent here; 'lentement' has two nasal 'en'."),
    ("Je ne comprends pas.", "I don't understand.", "The 'ds' of 'comprends' is silent."),
    ("Pouvez-vous m'aider ?", "Can you help me?", "Rising tone at the end of the question."),
    ("Combien ça coûte ?", "How much does it cost?", "'Coûte' ends with a clear 't' sound."),
    ("Où est la gare ?", "Where is the station?", "Link 'où est' smoothly: 'oo-eh'."),
    ("Je voudrais un café.", "I would like a coffee.", "Liaison is not made here; 'voudrais' ends in an 'è' sound."),
    ("L'addition, s'il vous plaît.", "The check, please.", "'S'il vous plaît' is often said quickly: 'seel voo pleh'."),
    ("Quelle heure est-il ?", "What time is it?", "Link 'heure est-il' into one flow: 'eu-rè-til'."),
    ("À demain.", "See you tomorrow.", "The 'ain' of 'demain' is nasal."),
    ("Bonne journée.", "Have a nice day.", "'J' is soft, like the 's' in 'measure'."),
    ("J'aime cette ville.", "I like this city.", "'Ville' ends in a clear 'l'."),
    ("Il fait très froid aujourd'hui.", "It is very cold today.", "'Froid' sounds like 'frwa'; the 'd' is silent."),
    ("Parlez-vous anglais ?", "Do you speak English?", "'Anglais' has a nasal 'an' and a silent 's'."),
    ("Au revoir, à bientôt.", "Goodbye, see you soon.", "'Au revoir' often sounds like 'o-rvwar'."),
]

GERMAN = [
    ("Hallo, wie geht's?", "Hi, how are you?", "'W' is said like English 'v': vee GATES."),
    ("Guten Morgen.", "Good morning.", "The 'r' of 'Morgen' is made at the back of the throat; '-gen' shrinks to 'gn'."),
    ("Wo ist die Toilette?", "Where is the toilet?", "'Toilette' is said the French way: twa-LET-te."),
    ("Ich spreche ein bisschen Deutsch.", "I speak a little German.", "'Eu' in 'Deutsch' is 'oy' and 'tsch' is 'ch': DOYTCH."),
    ("Freut mich, Sie kennenzulernen.", "Pleased to meet you.", "'Ch' after 'i' is a soft hiss, like the 'h' in 'huge'; 'z' is 'ts'."),
    ("Wie heißen Sie?", "What is your name?", "'Ie' is a long 'ee' and 'ei' is 'eye': vee HIGH-sen zee."),
    ("Ich heiße Anna.", "My name is Anna.", "'ß' is a sharp 's', never a 'z'."),
    ("Woher kommen Sie?", "Where are you from?", "Stress the second syllable: vo-HAIR; 's' before a vowel is a 'z'."),
    ("Ich komme aus Österreich.", "I come from Austria.", "'Ö' is 'e' said with rounded lips."),
    ("Vielen Dank.", "Thank you very much.", "'V' is said like 'f': FEE-len."),
    ("Bitte schön.", "You're welcome.", "'Sch' is English 'sh'; 'ö' is long here: shön."),
    ("Entschuldigung.", "Excuse me.", "Stress the second syllable: ent-SHOOL-di-goong."),
    ("Es tut mir leid.", "I am sorry.", "'Leid' sounds like English 'light': the final 'd' is a 't'."),
    ("Sprechen Sie bitte langsamer.", "Please speak more slowly.", "'Sp' at the start of a word is 'shp': SHPRE-khen."),
    ("Ich verstehe das nicht.", "I don't understand.", "'St' at the start of a word stem is 'sht': fer-SHTAY-e."),
    ("Können Sie mir helfen?", "Can you help me?", "'Ö' in 'können' is short; the question rises at the end."),
    ("Wie viel kostet das?", "How much does it cost?", "'Wie viel' is 'vee feel': 'w' is 'v', and 'v' is 'f'."),
    ("Wo ist der Bahnhof?", "Where is the station?", "The 'h' after a vowel is silent and makes it long: BAHN-hohf."),
    ("Ich hätte gern einen Kaffee.", "I would like a coffee.", "'Ä' is the 'e' of 'bet'; the double 't' keeps it short."),
    ("Die Rechnung, bitte.", "The check, please.", "'Ch' after 'e' is the soft 'ich' sound, never 'k'."),
    ("Wie spät ist es?", "What time is it?", "'Sp' is 'shp' and 'ä' is long: shpayt."),
    ("Ich habe Hunger.", "I am hungry.", "An 'h' at the start of a word is always breathed: HAH-be HUNG-er."),
    ("Haben Sie ein Zimmer frei?", "Do you have a room free?", "'Z' is always 'ts': TSIM-mer."),
    ("Die Stadt gefällt mir.", "I like this city.", "'Dt' is one 't'; 'ä' in 'gefällt' is a short open 'e'."),
    ("Heute ist es sehr kalt.", "It is very cold today.", "'Eu' in 'heute' is 'oy': HOY-te."),
    ("Auf Wiedersehen.", "Goodbye.", "'W' is 'v' and 'ie' a long 'ee': owf VEE-der-zay-en."),
]

ITALIAN = [
    ("Ciao, come stai?", "Hi, how are you?", "'Ci' before a vowel is 'ch' as in 'church', and the 'i' is silent: CHOW."),
    ("Buongiorno.", "Good morning.", "'Gi' before a vowel is the 'j' of 'jet': bwon-JOR-no, as one word."),
    ("Buonasera.", "Good evening.", "Tap the single 'r' once: bwo-na-SE-ra."),
    ("Buonanotte.", "Good night.", "A double consonant is held longer: not-te, with a tiny stop."),
    ("Piacere di conoscerti.", "Nice to meet you.", "'Ce' is 'che' as in 'chess', but 'sce' is 'she': pya-CHE-re dee ko-NO-sher-tee."),
    ("Come ti chiami?", "What is your name?", "'Chi' is a hard 'k': the 'h' keeps the 'c' hard: KYA-mi."),
    ("Mi chiamo Luca.", "My name is Luca.", "Every vowel is short and pure; the 'u' of 'Luca' is 'oo'."),
    ("Di dove sei?", "Where are you from?", "'Sei' glides from 'e' to 'i' in one syllable."),
    ("Sono di Roma.", "I am from Rome.", "Roll or tap the 'r' of 'Roma' with the tip of the tongue."),
    ("Grazie mille.", "Thank you very much.", "'Zi' is 'tsi': GRA-tsye; the double 'l' of 'mille' is held."),
    ("Prego.", "You're welcome.", "The 'e' is open, as in 'get': PREH-go."),
    ("Mi scusi.", "Excuse me.", "'Sc' before 'u' is 'sk'; in the north the 's' between vowels is a soft 'z'."),
    ("Mi dispiace.", "I am sorry.", "'Ce' at the end is 'che': dee-SPYA-che."),
    ("Parli più lentamente, per favore.", "Please speak more slowly.", "'Più' is one syllable: pyoo."),
    ("Non capisco.", "I don't understand.", "'Sc' before 'o' stays 'sk': ka-PEE-sko."),
    ("Può aiutarmi?", "Can you help me?", "'Aiu' glides: a-yoo-TAR-mi; the question rises at the end."),
    ("Quanto costa?", "How much does it cost?", "'Qu' is 'kw': KWAN-to."),
    ("Dov'è la stazione?", "Where is the station?", "'Zio' is 'tsyo': sta-TSYO-ne."),
    ("Vorrei un caffè.", "I would like a coffee.", "The double 'rr' is a longer roll; 'caffè' stresses the last syllable."),
    ("Posso avere il conto?", "Can I have the check?", "Hold the double 's' of 'posso'; every final vowel is said, not dropped."),
    ("A che ora parte il treno?", "What time does the train leave?", "'Che' is 'keh': an 'h' after 'c' keeps it hard."),
    ("A domani.", "See you tomorrow.", "Stress the middle: a do-MA-ni."),
    ("Dove posso comprare i biglietti?", "Where can I buy the tickets?", "'Gli' is like the 'lli' in 'million': bee-LYET-tee."),
    ("Questa città è bellissima.", "This city is beautiful.", "'Città' stresses the final 'à'; hold the double 'll' and 'ss': bel-LEES-see-ma."),
    ("Oggi fa molto freddo.", "It is very cold today.", "'Gg' before 'i' is a long 'j': OD-jee."),
    ("Arrivederci.", "Goodbye.", "Five syllables, the roll held: ar-ree-ve-DER-chee."),
]

PORTUGUESE = [
    ("Oi, tudo bem?", "Hi, how are you?", "A final unstressed 'o' sounds like 'u': TOO-doo; 'bem' is nasal."),
    ("Bom dia.", "Good morning.", "In most of Brazil 'di' is said 'jee': bom JEE-a."),
    ("Boa tarde.", "Good afternoon.", "A final 'de' sounds like 'jee': TAR-jee."),
    ("Boa noite.", "Good night.", "A final 'te' sounds like 'chee': NOY-chee."),
    ("Muito prazer.", "Nice to meet you.", "'Muito' has a nasal 'ui': MWEEN-too."),
    ("Como você se chama?", "What is your name?", "'Ch' is 'sh'; 'você' stresses the last syllable."),
    ("Meu nome é Pedro.", "My name is Pedro.", "'É' is an open 'eh'; 'meu' glides: MEH-oo."),
    ("De onde você é?", "Where are you from?", "'Onde' ends in 'jee': ON-jee."),
    ("Eu sou do Brasil.", "I am from Brazil.", "A final 'l' sounds like 'w': bra-ZEEW."),
    ("Muito obrigado.", "Thank you very much.", "A woman says 'obrigada'; the final 'o' is an 'oo'."),
    ("De nada.", "You're welcome.", "'De' is said 'jee': jee NA-da."),
    ("Com licença.", "Excuse me.", "'Ç' is an 's'; 'en' is nasal: lee-SEN-sa."),
    ("Desculpe.", "Sorry.", "A final 'e' sounds like 'ee': jees-KOOL-pee."),
    ("Fale mais devagar, por favor.", "Please speak more slowly.", "A final 'r' is a soft 'h' in Rio and São Paulo."),
    ("Não entendo.", "I don't understand.", "'Não' is a nasal 'ow', said through the nose."),
    ("Você pode me ajudar?", "Can you help me?", "'J' is the 's' of 'measure': a-zhoo-DAR."),
    ("Quanto custa?", "How much does it cost?", "'Qua' is 'kwa'; 'an' is nasal."),
    ("Onde fica a estação?", "Where is the station?", "'Ção' is a nasal 'sow': es-ta-SOW."),
    ("Eu queria um café.", "I would like a coffee.", "'Um' is nasal, with the lips almost closed."),
    ("A conta, por favor.", "The check, please.", "'On' in 'conta' is nasal; the 't' stays a 't' before 'a'."),
    ("Que horas são?", "What time is it?", "The 'h' is silent: kee O-ras sow."),
    ("Até amanhã.", "See you tomorrow.", "'Nh' is 'ny' as in 'canyon'; 'ã' is nasal."),
    ("Tenha um ótimo dia.", "Have a great day.", "'Ótimo' stresses the first syllable, an open 'o'."),
    ("Eu gosto desta cidade.", "I like this city.", "'Ci' is 'see' and a final 'de' is 'jee': see-DA-jee."),
    ("Hoje está muito frio.", "It is very cold today.", "Silent 'h', and 'j' as in 'measure': OH-zhee."),
    ("Tchau, até logo.", "Bye, see you later.", "'Tchau' is 'chow'; 'logo' ends in 'oo'."),
]

PACKS = {
    "en-basics": ("en-US", "English basics", "Everyday English phrases: greetings, travel, cafés.", ENGLISH),
    "es-basics": ("es-ES", "Español básico", "Everyday Spanish phrases with English translations.", SPANISH),
    "fr-basics": ("fr-FR", "Français de base", "Everyday French phrases with English translations.", FRENCH),
    "de-basics": ("de-DE", "Deutsch für den Alltag", "Everyday German phrases with English translations.", GERMAN),
    "it-basics": ("it-IT", "Italiano di base", "Everyday Italian phrases with English translations.", ITALIAN),
    "pt-br-basics": ("pt-BR", "Português do dia a dia", "Everyday Brazilian Portuguese phrases with English translations.",
                     PORTUGUESE),
}


def build(pack_id: str) -> Path:
    """Build ``lessons/<pack_id>`` afresh and return its folder."""
    language, title, description, phrases = PACKS[pack_id]
    final = LESSONS / pack_id
    staging = Path(tempfile.mkdtemp(prefix=f".{pack_id}.", dir=LESSONS))
    try:
        folder = staging / pack_id
        new_pack(folder, lang=language, title=title, pack_id=pack_id, author=AUTHOR, description=description)
        for text, translation, notes in phrases:
            speech = synthesize(text, lang=language)
            samples = soxr.resample(speech.samples, speech.samplerate, SAMPLERATE)
            add_phrase(folder, text, samples, SAMPLERATE, words=speech.words, translation=translation, notes=notes)
        errors = [str(p) for p in validate_pack(folder) if p.severity == "error"]
        if errors:
            raise SystemExit(f"{pack_id} does not validate: {errors}")
        if final.exists():
            shutil.rmtree(final)
        folder.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def main(argv: list[str]) -> None:
    """Build the packs named in ``argv`` (all of them by default) and print their sizes."""
    for pack_id in argv or list(PACKS):
        folder = build(pack_id)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        print(f"{pack_id}: {len(PACKS[pack_id][3])} phrases, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
