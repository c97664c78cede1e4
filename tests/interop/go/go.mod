module ternpeer

go 1.19
