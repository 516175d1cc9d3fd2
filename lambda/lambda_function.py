"""AWS Lambda entry point: ``lambda_function.lambda_handler``.

Persistence: DynamoDB when ``NRC_DYNAMODB_TABLE`` is set (see skill.persistence.factory), else none
beyond the session. Kept to a few lines; everything else lives in the ``skill`` package.
"""

from skill.alexa.builder import lambda_handler as checked_lambda_handler
from skill.config import SkillConfig
from skill.persistence.factory import adapter_from_env

lambda_handler = checked_lambda_handler(adapter_from_env(), SkillConfig.from_env())
