"""Officers, logging in and out, and cookie sessions."""
