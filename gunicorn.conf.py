"""gunicorn's settings for Maker Lab (read from the project folder, or named with ``-c gunicorn.conf.py``).

Only what the site needs whatever the machine: the address, workers and log files stay on the command line.
"""

# Private links and check-in codes never reach gunicorn's access or error log.
logger_class = "makerlab.gunicorn_logging.RedactingLogger"
