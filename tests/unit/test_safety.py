"""Red-flag screen: it must catch varied real wording, and must leave ordinary questions alone.

These tables are the project's own regression phrasings, written while building the screen: they
are no evidence of how it does on words it has never seen. That is measured on eval/safety's test
split by bench/safety_eval.py, and reported in the README.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.understanding.screen import SafetyDataError, categories, check, load_screen, screen_for

QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "questions_en.json"
RULES = Path(__file__).resolve().parents[2] / "skill" / "content" / "safety" / "en.json"

RED_FLAGS = [
    # worst / first headache
    "this is the worst headache i've ever had",
    "worst headache of my life",
    "its the worst pain ive ever felt in my head",
    "i've never had a headache like this before",
    "worst headache ever and it started two minutes ago",
    "hands down the worst head pain i have ever had",
    "honestly this is the worst migraine in my entire life",
    # sudden onset
    "this headache came on like a thunderclap",
    "it hit me out of nowhere and peaked in a minute",
    "i got a sudden splitting headache a few minutes ago",
    "my head feels like it's going to explode",
    "an explosive pain at the back of my head just now",
    "the pain came on all at once while i was lifting weights",
    "the pain went from zero to ten in seconds it peaked within a minute",
    "it felt like somebody hit me on the back of the head",
    "out of nowhere i got this sudden headache",
    # head injury
    "i hit my head yesterday and now my neck hurts can i massage it",
    "i banged my head on the cupboard door this morning",
    "i fell down the stairs last night and my head hurts",
    "i was in a car accident last week and now i have this pain",
    "i got rear ended on monday and my neck is killing me",
    "i think i have whiplash from a crash",
    "my daughter fell off her bike and hit her head",
    "i slipped on the ice and now the back of my head hurts",
    "i had a fall and bumped my head",
    "i might have a concussion from football",
    "we were in a fender bender this morning",
    "i took a nasty fall off a ladder",
    "got knocked out playing rugby",
    # numbness
    "my left arm went numb",
    "my face feels numb on one side",
    "i can't feel my right hand",
    "numbness down my left side and a headache",
    "my lips are tingling and my head hurts",
    "my hand's gone numb",
    "half my face is numb",
    "i got pins and needles in my face",
    # weakness
    "my right leg feels weak",
    "i've got weakness in my arm since this morning",
    "my face is drooping on one side",
    "my smile looks lopsided",
    "i can't lift my arm",
    "my arm feels weak and heavy",
    "my grip is weak in my right hand",
    "the left side of my mouth is drooping",
    "i keep dropping things",
    # vision
    "i'm seeing double",
    "i have double vision with the headache",
    "my vision went blurry",
    "everything is blurry in my left eye",
    "i can't see out of my right eye",
    "i lost vision for a few seconds",
    "my eyesight is going dark",
    "everything looks double",
    "i can't see properly",
    "i'm having trouble seeing",
    # confusion, drowsiness, memory
    "i'm confused and my head hurts",
    "my husband seems confused and drowsy",
    "i feel really drowsy and i have a headache",
    "i'm having trouble remembering things",
    "i can't think straight and my head is pounding",
    "i feel so confused",
    "i don't know where i am",
    "i can't stay awake and my head hurts",
    "my memory is really bad since the headache started",
    # speech
    "my speech is slurred",
    "i'm slurring my words",
    "i have trouble finding words",
    "i can't get my words out",
    "i can't understand what people are saying",
    "i can't talk properly",
    "my words are coming out all jumbled",
    # fainting, seizure
    "i fainted earlier",
    "i passed out after the pain started",
    "i keep blacking out",
    "i lost consciousness for a minute",
    "i almost fainted",
    "i collapsed in the kitchen",
    "i had a seizure this morning",
    "my son had a fit",
    "she's having convulsions",
    # fever with stiff neck or rash
    "i have a fever and a stiff neck",
    "i have a temperature and i can't bend my neck",
    "fever and a rash and a headache",
    "i've got a fever and bright light hurts my eyes",
    "high temperature and my neck is so stiff i can't put my chin on my chest",
    "i'm running a fever and i have purple spots on my legs",
    # over fifty
    "i'm seventy and i've got a new headache and my jaw hurts when i chew",
    "i'm 68 and my scalp is really tender",
    "i am sixty five years old and my vision is blurry with this headache",
    "my mom is 80 and her jaw hurts when she eats and she has a headache",
    "i'm 75 and it hurts to chew",
    "grandma is seventy eight and her temples are sore",
    "i'm over fifty and this is a new kind of headache",
    "i'm in my sixties and these headaches started last month",
    "i'm 72 and i've never had headaches before",
    "i'm fifty six and i've had headaches for the past two weeks",
    # coughing, straining, sex
    "my head hurts when i cough",
    "i get a headache every time i sneeze",
    "the pain comes when i'm straining on the toilet",
    "i get a bad headache during sex",
    "it hurts so much when i lift something heavy",
    # progressive or changed
    "my headaches are getting worse every day",
    "my headache keeps getting worse",
    "the pain has been steadily getting worse for weeks",
    "my headaches have changed pattern",
    "this is different from my usual headaches",
    "my headaches are more and more frequent",
    # pregnancy, cancer, immune system
    "i'm pregnant and have a really bad headache",
    "i just had a baby and now i have a horrible headache",
    "i'm postpartum and my head is pounding",
    "i'm six months pregnant with a pounding headache",
    "i have cancer and a new headache",
    "i'm on chemo and getting headaches",
    "i have a weakened immune system and this headache won't go away",
    "i had chemo last year and now i have head pain",
    # after neck massage or manipulation
    "i had a neck massage and now i feel dizzy and my neck hurts a lot",
    "after the chiropractor adjusted my neck i got really dizzy",
    "i cracked my neck and now there's a severe pain",
    "the chiropractor manipulated my neck and now i have an awful headache",
    "my chiropractor cracked my neck and i got vertigo",
    "after the massage the room is spinning",
    # stroke, emergency
    "am i having a stroke",
    "i think i had a mini stroke",
    "call an ambulance",
    # crisis
    "i want to die",
    "i'm going to kill myself",
    "i've been thinking about suicide",
    "this pain makes me want to end it all",
    "i don't want to live like this anymore",
    "i wanna die",
    "i've been having suicidal thoughts",
]

EXPECTED = [
    ("my headaches have been progressively getting worse for weeks", "pattern_change"),
    ("the ache is worse every single day now", "pattern_change"),
    ("my wife keeps talking about not wanting to be here anymore", "crisis"),
    ("the only thing keeping me going is my dog", "crisis"),
    ("high temperature and real neck stiffness since this morning", "fever"),
    ("it's not my usual headache at all", "pattern_change"),  # the negator opens the sign: not negating it
    ("on warfarin and i headbutted the car window", "blood_thinners"),
    ("the pain hit like someone smacked me with a hammer", "sudden_onset"),
    ("my head hurts when i lift anything heavy", "positional_strain"),
    ("i reckon i need to go to the er tonight", "emergency"),  # "er" here is no filler
    ("out of nowhere my head hurts like never before", "sudden_onset"),
    ("i can't stand up without my head pounding since the spinal tap", "positional_strain"),
    ("please ring the paramedics", "emergency"),
    ("my fingers keep going fizzy when i press on my neck", "neuro_deficit"),
    ("i'm sitting on the ledge right now", "crisis"),
    ("i punch myself in the head when it gets bad", "crisis"),
    ("i've had these for years and this one is not one of them", "pattern_change"),
    ("this is the worst headache i've ever had", "sudden_onset"),
    ("this headache came on like a thunderclap", "sudden_onset"),
    ("i hit my head yesterday and now my neck hurts can i massage it", "head_injury"),
    ("i think i have whiplash from a crash", "head_injury"),
    ("i'm on warfarin and i slipped and banged my head", "blood_thinners"),
    ("my left arm went numb", "neuro_deficit"),
    ("my face is drooping on one side", "neuro_deficit"),
    ("my speech is slurred", "neuro_deficit"),
    ("am i having a stroke", "neuro_deficit"),
    ("i'm seeing double", "vision_loss"),
    ("it's like a curtain came down over my left eye", "vision_loss"),
    ("my eye is red and really painful and i have a headache", "red_eye"),
    ("i'm so confused and sleepy and my head hurts", "confusion"),
    ("i passed out after the pain started", "fainting"),
    ("i had a seizure this morning", "seizure"),
    ("i have a temperature and i can't bend my neck", "fever"),
    ("i'm seventy and i've got a new headache and my jaw hurts when i chew", "over_fifty"),
    ("i'm fifty five and this is a new kind of headache", "over_fifty"),
    ("my head hurts when i cough", "positional_strain"),
    ("the headache goes away when i lie down and comes back as soon as i stand up", "positional_strain"),
    ("my headache keeps getting worse", "pattern_change"),
    ("this isn't like my usual headaches", "pattern_change"),
    ("i'm pregnant and have a really bad headache", "pregnancy"),
    ("i have cancer and a new headache", "cancer_immune"),
    ("my headache woke me up at three am and i threw up", "wakes_vomiting"),
    ("i've got a banging headache and i keep throwing up", "vomiting"),
    ("after the chiropractor adjusted my neck i got really dizzy", "neck_manipulation"),
    ("call an ambulance", "emergency"),
    ("i want to kill myself", "crisis"),
    ("this pain makes me want to die", "crisis"),
    ("i don't want to be here anymore", "crisis"),
    ("this pain is going to make me end it", "crisis"),
    ("my flatmate says she wants to end her life", "crisis"),
    ("my friend wants to end it how do i help", "crisis"),
    ("i'm done with this life", "crisis"),
    ("pregnant and seeing sparkly lights with this headache", "pregnancy"),
    ("it came on full blast in under a minute", "sudden_onset"),
    ("my sight's gone doubled since this morning", "vision_loss"),
    # a general-sounding question that tells of vomiting again and again is the speaker's own
    ("what helps when the headache is so bad you keep throwing up", "vomiting"),
    # the negation is about the tablets, not the new headache
    ("the painkillers don't touch this new kind of headache", "pattern_change"),
    ("it came on like someone flipped a switch", "sudden_onset"),
    ("my headaches feel really different from how they used to", "pattern_change"),
    # a crisis statement wins over the headache described with it
    ("this is the worst headache of my life and i want to die", "crisis"),
]

NORMAL = [
    "what are the red flags",
    "when should i see a doctor",
    "does massage help",
    "is tingling in my scalp normal",
    "my head hurts when i brush my hair",
    "sharp shooting pain at the back of my head",
    "headache at the base of my skull",
    "how hard should i press",
    "can i use a massage gun",
    "is it serious",
    "should i use heat or ice",
    "i have a bad headache",
    "my neck is stiff",
    "can massage cause a headache",
    "i get sudden stabbing pains in the back of my head",
    "my scalp feels numb",
    "can whiplash cause occipital neuralgia",
    "can a car accident cause occipital neuralgia",
    "i fell asleep on the couch and woke up with a stiff neck",
    "what is the worst sleeping position",
    "what's the worst thing i can do for my neck",
    "how do i keep it from getting worse",
    "how do i stop it getting worse",
    "my headache got worse after the massage",
    "why is my pain worse at night",
    "i'm confused about how to do the ball release",
    "i can't see the difference after a week",
    "i can't see my physio until friday",
    "i can't talk to my doctor until next week",
    "does a steroid injection help",
    "what pressure points help with headaches",
    "my neck seized up",
    "i have a faint ache behind my ear",
    "can i crack my own neck",
    "should i see a chiropractor",
    "is it safe to massage while pregnant",
    "can i massage my neck if i have cancer",
    "can a tumor cause occipital neuralgia",
    "my neck muscles feel weak",
    "the pain shoots over the top of my head",
    "my headaches are worse when i'm stressed",
    "this headache is killing me",
    "can i use long strokes on my neck",
    "it hurts behind my eye",
    "light hurts my eyes when the pain starts",
    "can i use heat if i have a fever",
    "my pain is severe and burning",
    "my scalp is tender to the touch",
    "i'm sixty how often should i massage",
    "i'm 55 is it safe to use a massage gun",
    "do sleep aids help",
    "it hurts when i turn my head",
    "my eye waters when the pain hits",
    "",
]


NOT_URGENT = [
    "my son doesn't want to go on the school trip with his sore neck",  # an outing, not a crisis sign
    "it's been two years since that crash and my neck still gets stiff",  # long past
    "i banged my head on a shelf in twenty nineteen and massage is fine for me",
    "knocked my head on the cupboard last month and it's totally fine now, can i massage my neck",
    "hit my head pretty hard about eight months ago and the scan was clear",
    "my daughter had a concussion three seasons ago and she's fully cleared",
    "i came off my bike the summer before last and the neck is just stiff now",
    "my brain exploded with plans at work so my neck is tight",
    "i nearly passed out giggling at the film",
    "i just want to collapse onto the sofa tonight",
    "the printer jammed again and i almost had a fit",
    "the ice pick jabs behind my ear come and go in seconds",
    "my legs feel dead after the long walk",
    "i crashed out on the sofa after dinner",
    "i've blacked out the whole afternoon in my diary",
    "temperature's normal and the neck is only stiff from sleeping wrong",
    "i was knocked out by tiredness and woke up with a sore neck",
    "this term has been an absolute car crash lately and my shoulders are in knots",
    "my vision gets blurry from the laptop by the evening, which stretch helps",
    "my knee hurts when i lift heavy boxes",  # a strain pain that is not the head's
    "we blacked out the nursery windows so the baby sleeps",
    "i cant sleep without a pillow under my neck",
    "i can't go a day without my usual neck ache",
    "i'm confused about which stretch comes next",
    "i hit myself with the massage ball by accident",
    "i burned myself on the heat pack",
    # negated
    "no fever no stiff neck just the usual zaps",
    "i didn't hit my head i just slept funny",
    "i don't have any numbness or weakness",
    "there's no vomiting just a dull ache",
    "it's not sudden it's been building slowly over months",
    # long ago
    "i had a concussion ten years ago can i still massage",
    "i was in a car accident years ago and my neck has been sore since",
    "as a kid i fell off a swing and hit my head",
    # everyday senses
    "i fell asleep on the couch and now my neck is stiff",
    "my phone exploded with messages and i got stressed",
    "the coffee here is really weak",
    "i bought blackout curtains to help me sleep",
    "i'm dying to try the ball release",
    "i hit the gym hard yesterday and my neck is tight",
    "i fell behind at work because of the pain",
    "i'm confused about how many times a day to do it",
    # the usual brief pains of occipital neuralgia
    "i get sudden electric zaps at the back of my head that last a second",
    "brushing my hair sets off a stabbing pain that's gone in seconds",
    # informational questions
    "what are the signs of a stroke",
    "what are the symptoms of meningitis",
    "how do i know if a headache is serious",
    "when should someone go to the emergency room for a headache",
    "can whiplash cause occipital neuralgia",
]

INFORMATIONAL = [
    ("i read that neck cracking can cause a stroke is that true", "neuro_deficit"),
    ("explain what a stroke is", "neuro_deficit"),
    ("how would i spot concussion in my players", "head_injury"),
    ("how would i know if i was having a stroke while on my own", "neuro_deficit"),
    ("what are the signs of a stroke", "neuro_deficit"),
    ("what are the symptoms of meningitis", "fever"),
    ("can whiplash cause occipital neuralgia", "head_injury"),
]


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flag_is_caught(text: str) -> None:
    assert check(text).urgent, check(text)


@pytest.mark.parametrize(("text", "category"), EXPECTED)
def test_red_flag_reports_its_category(text: str, category: str) -> None:
    assert (check(text).kind, check(text).category) == ("urgent", category)


@pytest.mark.parametrize("text", NORMAL + NOT_URGENT)
def test_ordinary_words_are_not_urgent(text: str) -> None:
    assert not check(text).urgent, check(text)


@pytest.mark.parametrize(("text", "category"), INFORMATIONAL)
def test_general_questions_are_informational(text: str, category: str) -> None:
    assert (check(text).kind, check(text).category) == ("informational", category)


@pytest.mark.parametrize(
    ("text", "suppressed"),
    [
        ("no fever and no stiff neck", "fever"),
        ("i hit my head ten years ago", "head_injury"),
        ("i had a concussion in twenty eighteen", "head_injury"),
        ("i never had a seizure", "seizure"),
        ("i haven't had a seizure or passed out just a stiff neck", "fainting"),  # the negator reaches the list
        ("i got concussed playing rugby and that's long gone", "head_injury"),
    ],
)
def test_set_aside_triggers_are_reported(text: str, suppressed: str) -> None:
    finding = check(text)
    assert finding.kind == "clear" and suppressed in finding.suppressed


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i hit my head years ago and again yesterday", "head_injury"),
        ("years ago i had whiplash but now i have the worst headache of my life", "sudden_onset"),
        ("no fever but my neck is stiff and i have a rash and i'm burning up", "fever"),
        ("um so like i fell you know and hit my head", "head_injury"),
        ("i am sixty two and the headaches are new", "over_fifty"),
        ("i dont want to live anymore", "crisis"),
        ("honestly there's no point carrying on", "crisis"),
        ("my dad keeps saying he does not want to be here anymore", "crisis"),
        ("i had no sleep or food and then i passed out", "fainting"),  # "and then" ends the list's negation
        ("what are the signs of a stroke because my arm went numb", "neuro_deficit"),
        ("could this be meningitis", "fever"),
    ],
)
def test_negation_time_fillers_and_questions_do_not_hide_a_red_flag(text: str, category: str) -> None:
    assert (check(text).kind, check(text).category) == ("urgent", category)


def test_enough_varied_phrasings() -> None:
    assert len(set(RED_FLAGS)) >= 80
    assert len(set(NORMAL + NOT_URGENT)) >= 60
    assert {c for _, c in EXPECTED} == set(categories())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("THIS IS THE WORST HEADACHE I’VE EVER HAD!!!", "sudden_onset"),
        ("I’m   seeing... DOUBLE?", "vision_loss"),
        ("My speech—it's SLURRED.", "neuro_deficit"),
        ("I have a fever, and a stiff-neck!", "fever"),
        ("I'm 70; my jaw hurts when I chew.", "over_fifty"),
        ("I Can’t Feel My Left Arm", "neuro_deficit"),
    ],
)
def test_screen_ignores_case_and_punctuation(text: str, category: str) -> None:
    assert check(text).category == category


def test_english_locales_share_the_language_rules() -> None:
    assert screen_for("en-US") is screen_for("en")
    assert check("i'm seeing double", "en-GB").category == "vision_loss"


def test_bad_language_code_is_rejected() -> None:
    with pytest.raises(ValueError):
        check("hello", "../en")


def test_questions_table_is_not_urgent() -> None:
    """The ranker table holds ordinary questions; if the screen caught one, the ranker would never see it."""
    rows = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    assert [r["q"] for r in rows if check(r["q"]).urgent] == []


def _write_rules(tmp_path: Path, rules: list[dict[str, object]], **top: object) -> Path:
    data = json.loads(RULES.read_text(encoding="utf-8"))
    data.update(top)
    data["rules"] = rules
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_combo_needs_every_group(tmp_path: Path) -> None:
    rules = [{"id": "combo", "combos": [[[r"\bfever\b"], [r"\bstiff\b", r"\brash\b"]]]}]
    loaded = load_screen(_write_rules(tmp_path, rules))
    assert loaded.first_match("Fever and a rash") == "combo"
    assert loaded.first_match("just a fever") is None
    assert loaded.first_match("a stiff neck") is None
    assert loaded.first_match("no fever but a rash") is None


def test_first_live_rule_wins_and_unless_sets_a_trigger_aside(tmp_path: Path) -> None:
    rules = [{"id": "first", "patterns": [r"\bdie\b"], "unless": [r"\bdying to\b"]},
             {"id": "second", "patterns": [r"\bheadache\b"]}]
    loaded = load_screen(_write_rules(tmp_path, rules))
    assert loaded.first_match("a headache so bad i could die") == "first"
    assert loaded.first_match("i feel like i could die") == "first"
    assert loaded.check("dying to try it").kind == "clear"


def test_rules_can_opt_out_of_negation_and_questions(tmp_path: Path) -> None:
    rules = [{"id": "kept", "patterns": [r"\bwant to live\b"], "negatable": False, "informational": False}]
    loaded = load_screen(_write_rules(tmp_path, rules))
    assert loaded.first_match("i dont want to live") == "kept"
    assert loaded.first_match("why do i not want to live") == "kept"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"id": "broken_rule", "patterns": [r"\bok\b", r"(unclosed"]}], "broken_rule"),
        ([{"id": "empty_match", "patterns": [r"\bfine\b", r"x*"]}], "empty_match"),
        ([{"id": "bad_group", "combos": [[[r"\bfever\b"], [r"[z-a]"]]]}], "bad_group"),
        ([{"id": "empty_unless", "patterns": ["a"], "unless": [r"\bfine\b", r"y*"]}], "empty_unless.*y\\*"),
        ([{"id": "one_group", "combos": [[[r"\bfever\b"]]]}], "one_group"),
        ([{"id": "typo_key", "pattern": [r"\bfever\b"]}], "typo_key"),
        ([{"id": "no_patterns"}], "no_patterns"),
        ([{"id": "not_text", "patterns": [42]}], "not_text"),
        ([{"id": "bad_flag", "patterns": ["a"], "remote": "yes"}], "bad_flag"),
        ([{"id": "macro", "patterns": ["<NOSUCHMACRO>"]}], "NOSUCHMACRO"),
        ([{"id": "twice", "patterns": ["a"]}, {"id": "twice", "patterns": ["b"]}], "twice"),
        ([{"id": "Bad Id", "patterns": ["a"]}], "Bad Id"),
        ([], "rules"),
    ],
)
def test_invalid_rules_fail_loudly_at_load(tmp_path: Path, rules: list[dict[str, object]], message: str) -> None:
    with pytest.raises(SafetyDataError, match=message):
        load_screen(_write_rules(tmp_path, rules))


def test_invalid_language_settings_fail_loudly(tmp_path: Path) -> None:
    with pytest.raises(SafetyDataError, match="negation_window"):
        load_screen(_write_rules(tmp_path, [{"id": "a", "patterns": ["a"]}], negation_window=0))
    with pytest.raises(SafetyDataError, match="unknown keys"):
        load_screen(_write_rules(tmp_path, [{"id": "a", "patterns": ["a"]}], surprise=1))


def test_invalid_json_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SafetyDataError, match="not readable JSON"):
        load_screen(path)
