"""The web host: the skill as a verified Alexa web-service endpoint (``/alexa``), and the simulator
page (``static/``) with the routes it calls. Flask and the request verifier live here and nowhere else."""
