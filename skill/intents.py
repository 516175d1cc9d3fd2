"""Intent and slot names shared by the model generator, the handlers and the local matcher (no SDK
import, so tools stay light).

Every intent that can receive a person's own description carries their words in a slot, so the
skill's red-flag screen always reads what was said: a free question (``AskQuestionIntent``, an
``AMAZON.SearchQuery`` behind carrier phrases), a topic question (``TopicQuestionIntent``, whose
custom slot values are the topics' sample questions, so Alexa's NLU learns them and entity
resolution names the topic), and a symptom description (``UrgentSymptomIntent``, whose slot values
are red-flag phrasings with the red flag's category as their id). No intent maps a sentence to an
answer without passing the words on.
"""

ASK_INTENT, ASK_SLOT = "AskQuestionIntent", "question"
TOPIC_INTENT, TOPIC_SLOT, TOPIC_SLOT_TYPE = "TopicQuestionIntent", "topic_question", "TOPIC_QUESTION"
URGENT_INTENT, SYMPTOM_SLOT, SYMPTOM_SLOT_TYPE = "UrgentSymptomIntent", "symptom", "RED_FLAG"
# A local client tells the skill where its own player was in the last response, in the place Alexa
# uses for player state (context.AudioPlayer), under a token no real AudioPlayer stream carries.
HEARD_TOKEN = "nrc-heard-last-response"
MAX_HEARD_SECONDS = 10_000  # far longer than any response: a larger position is not believed
