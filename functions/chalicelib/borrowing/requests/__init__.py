"""What borrowers asked for (draws, repayments), kept until their workflows end."""
