"""Red-flag screen: it must catch varied real wording, and must leave ordinary questions alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.safety import SafetyDataError, load_screen, normalise, screen, screen_for

QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "questions_en.json"

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
    "could this be meningitis",
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
    "is this an emergency",
    "should i call 911",
    "should i go to the er",
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

EXPECTED_IDS = [
    ("this is the worst headache i've ever had", "worst_headache"),
    ("i've never had a headache like this before", "worst_headache"),
    ("this headache came on like a thunderclap", "sudden_onset"),
    ("it hit me out of nowhere", "sudden_onset"),
    ("i hit my head yesterday and now my neck hurts can i massage it", "head_injury"),
    ("i think i have whiplash from a crash", "head_injury"),
    ("my left arm went numb", "numbness"),
    ("my face is drooping on one side", "weakness"),
    ("i'm seeing double", "vision"),
    ("i'm having trouble remembering things", "confusion"),
    ("my speech is slurred", "speech"),
    ("i passed out after the pain started", "fainting"),
    ("i had a seizure this morning", "seizure"),
    ("i have a temperature and i can't bend my neck", "fever_neck_or_rash"),
    ("i'm seventy and i've got a new headache and my jaw hurts when i chew", "giant_cell_arteritis"),
    ("i'm over fifty and this is a new kind of headache", "new_headache_over_50"),
    ("my head hurts when i cough", "exertional"),
    ("my headache keeps getting worse", "progressive"),
    ("i'm pregnant and have a really bad headache", "pregnancy_headache"),
    ("i have cancer and a new headache", "cancer_or_immune_headache"),
    ("after the chiropractor adjusted my neck i got really dizzy", "neck_manipulation_dizziness"),
    ("i cracked my neck and now there's a severe pain", "neck_manipulation_severe_pain"),
    ("am i having a stroke", "stroke"),
    ("is this an emergency", "emergency"),
    ("i want to kill myself", "crisis"),
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


@pytest.mark.parametrize("text", RED_FLAGS)
def test_red_flag_is_caught(text: str) -> None:
    assert screen(text) is not None


@pytest.mark.parametrize(("text", "rule_id"), EXPECTED_IDS)
def test_red_flag_reports_its_rule(text: str, rule_id: str) -> None:
    assert screen(text) == rule_id


@pytest.mark.parametrize("text", NORMAL)
def test_normal_question_is_not_screened(text: str) -> None:
    assert screen(text) is None


def test_enough_varied_phrasings() -> None:
    assert len(set(RED_FLAGS)) >= 80
    assert len(set(NORMAL)) >= 40


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("THIS IS THE WORST HEADACHE I’VE EVER HAD!!!", "worst_headache"),
        ("I’m   seeing... DOUBLE?", "vision"),
        ("My speech—it's SLURRED.", "speech"),
        ("I have a fever, and a stiff-neck!", "fever_neck_or_rash"),
        ("I'm 70; my jaw hurts when I chew.", "giant_cell_arteritis"),
        ("I Can’t Feel My Left Arm", "numbness"),
    ],
)
def test_screen_ignores_case_and_punctuation(text: str, rule_id: str) -> None:
    assert screen(text) == rule_id


def test_normalise_unifies_apostrophes_and_punctuation() -> None:
    assert normalise("I Can’t  SEE—at all!") == normalise("i cant see at all") == "i cant see at all"


def test_english_locales_share_the_language_rules() -> None:
    assert screen_for("en-US") is screen_for("en")
    assert screen("i'm seeing double", "en-GB") == "vision"


def test_bad_language_code_is_rejected() -> None:
    with pytest.raises(ValueError):
        screen("hello", "../en")


def test_questions_table_is_not_screened() -> None:
    """The ranker table holds ordinary questions; if the screen caught one, the ranker would never see it."""
    rows = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    assert [r["q"] for r in rows if screen(r["q"]) is not None] == []


def _write_rules(tmp_path: Path, rules: list[dict[str, object]]) -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    return path


def test_requires_all_needs_every_group(tmp_path: Path) -> None:
    rules = [{"id": "combo", "requires_all": [[r"\bfever\b"], [r"\bstiff\b", r"\brash\b"]]}]
    loaded = load_screen(_write_rules(tmp_path, rules))
    assert loaded.first_match("Fever and a rash") == "combo"
    assert loaded.first_match("just a fever") is None
    assert loaded.first_match("a stiff neck") is None


def test_first_matching_rule_wins(tmp_path: Path) -> None:
    rules = [{"id": "first", "patterns": [r"\bdie\b"]}, {"id": "second", "patterns": [r"\bheadache\b"]}]
    loaded = load_screen(_write_rules(tmp_path, rules))
    assert loaded.first_match("a headache so bad i could die") == "first"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"id": "broken_rule", "patterns": [r"\bok\b", r"(unclosed"]}], "broken_rule"),
        ([{"id": "empty_match", "patterns": [r"\bfine\b", r"x*"]}], "empty_match"),
        ([{"id": "bad_group", "requires_all": [[r"\bfever\b"], [r"[z-a]"]]}], "bad_group"),
        ([{"id": "one_group", "requires_all": [[r"\bfever\b"]]}], "one_group"),
        ([{"id": "typo_key", "pattern": [r"\bfever\b"]}], "typo_key"),
        ([{"id": "no_patterns"}], "no_patterns"),
        ([{"id": "not_text", "patterns": [42]}], "not_text"),
        ([{"id": "twice", "patterns": ["a"]}, {"id": "twice", "patterns": ["b"]}], "twice"),
        ([{"id": "Bad Id", "patterns": ["a"]}], "Bad Id"),
        ([], "rules"),
    ],
)
def test_invalid_rules_fail_loudly_at_load(tmp_path: Path, rules: list[dict[str, object]], message: str) -> None:
    with pytest.raises(SafetyDataError, match=message):
        load_screen(_write_rules(tmp_path, rules))


def test_invalid_json_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SafetyDataError, match="not valid JSON"):
        load_screen(path)
