"""People who sign in: moderators, regulator staff and merchants, and the sellers a merchant
speaks for."""
